"""Use cases of the job pages: counts, the latest or dead jobs, sending a dead job again."""

from __future__ import annotations

from survey.audit import record
from survey.db.tables import Job
from survey.jobs import outbox
from survey.jobs.schemas import JobView

FIELDS = tuple(JobView.__struct_fields__)


class JobError(ValueError):
    """A job action that cannot be done (the message says why, in Vietnamese and English)."""


async def job_counts() -> dict[str, int]:
    return await outbox.counts()


async def recent_jobs(status: str | None = None, limit: int = 50, offset: int = 0) -> list[JobView]:
    """The latest jobs, newest first, optionally of one status."""
    query = (Job.select(*(getattr(Job, name) for name in FIELDS)).order_by(Job.id, ascending=False)
             .limit(limit).offset(offset))
    if status is not None:
        query = query.where(Job.status == status)
    return [JobView(**row) for row in await query]


async def resend_dead(job_id: int, actor: str) -> None:
    if not await outbox.retry_dead(job_id):
        raise JobError(f"Việc #{job_id} không tồn tại hoặc không ở trạng thái hỏng. / "
                       f"Job #{job_id} does not exist or is not dead.")
    await record("job.retry", actor=actor, target=str(job_id))
