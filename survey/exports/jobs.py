"""Research exports run by ``survey worker``, never by the web process.

A request becomes a row of the ``export_job`` table (what the officer sees: status, progress, file) and, in
the same transaction, a job of the durable job table (``exports.run``) that a worker claims; the web process
only records and reads, so a heavy export never takes time from the citizens' submissions. The worker writes
a heartbeat with the rows written every few seconds; the page refreshes itself and shows it. A worker killed
mid-export loses its lease and another worker runs the export again from the start (the folder is rewritten);
if every attempt is used up, the page shows the export failed. Its files go to
``DATA_DIR/exports/<export id>/`` as one zip (data file and both codebooks).

One officer may have at most ``SURVEY_EXPORT_MAX_ACTIVE`` exports queued or running: the check and the
insert happen in one write transaction (SQLite's single write lock; on PostgreSQL an advisory lock on the
officer's name), so a burst of simultaneous requests cannot slip past it.
"""

from __future__ import annotations

import asyncio
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from piccolo.engine.postgres import PostgresEngine

from survey.db.engine import current_engine, write_transaction
from survey.db.tables import ExportJob, Job
from survey.exports.services import ExportRequest, run_export
from survey.jobs import outbox
from survey.jobs.outbox import ClaimedJob
from survey.settings import Settings, get_settings

JOB_KIND = "exports.run"
HEARTBEAT_S = 5.0
ACTIVE = ("queued", "running")
MAX_ATTEMPTS = 3


class TooManyExports(ValueError):
    """The officer already has as many exports waiting or running as the setting allows."""


def now() -> datetime:
    return datetime.now(UTC)


def exports_dir(settings: Settings) -> Path:
    return settings.data_dir / "exports"


def job_key(export_id: int) -> str:
    return f"{JOB_KIND}:{export_id}"


async def _update(job_id: int, **values: object) -> None:
    async with write_transaction():
        await ExportJob.update({getattr(ExportJob, k): v for k, v in values.items()}).where(ExportJob.id == job_id)


async def submit(request: ExportRequest, username: str, settings: Settings) -> int:
    """Record the export and queue it for a worker; returns its id. Raises ``TooManyExports``."""
    async with write_transaction():
        if isinstance(current_engine(), PostgresEngine):
            await ExportJob.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"export:{username}")
        active = await ExportJob.count().where(ExportJob.requested_by == username,
                                               ExportJob.status.is_in(list(ACTIVE)))
        if active >= settings.export_max_active:
            raise TooManyExports(
                f"Bạn đang có {active} lần xuất dữ liệu chờ hoặc đang chạy; mỗi người được tối đa "
                f"{settings.export_max_active}. Xin đợi một lần xuất xong rồi gửi lại. / You already have "
                f"{active} exports waiting or running (at most {settings.export_max_active}); wait for one to finish.")
        rows = await ExportJob.insert(ExportJob(requested_by=username, status="queued", params=request.to_dict(),
                                                result={"heartbeat": now().isoformat()}))
        job_id = rows[0]["id"]
        await outbox.enqueue(JOB_KIND, {"export": job_id}, key=job_key(job_id), max_attempts=MAX_ATTEMPTS)
    return job_id


def _zip(folder: Path, files: list[Path]) -> Path:
    archive = folder / (files[0].stem + ".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, arcname=path.name)
            path.unlink()
    return archive


async def run_job(job: ClaimedJob) -> None:
    """The worker's handler: run the export the job names (nothing if it already finished)."""
    export_id = int(job.payload["export"])
    row = await ExportJob.select().where(ExportJob.id == export_id).output(load_json=True).first()
    if row is None or row["status"] not in ACTIVE:
        return
    await _run(export_id, ExportRequest(**row["params"]), row["requested_by"], get_settings())


async def _run(job_id: int, request: ExportRequest, username: str, settings: Settings) -> None:
    progress = {"rows": 0, "total": 0}

    def seen(written: int, total: int) -> None:
        progress.update(rows=written, total=total)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await _update(job_id, result={"heartbeat": now().isoformat(), **progress})

    folder = exports_dir(settings) / str(job_id)
    await _update(job_id, status="running", result={"heartbeat": now().isoformat(), **progress})
    beating = asyncio.create_task(heartbeat())
    try:
        result = await run_export(request, folder, actor=username, progress=seen)
        archive = await asyncio.to_thread(_zip, folder, result.files)
    except Exception as exc:  # an export that cannot be made is reported on its page; retrying cannot help
        beating.cancel()
        await _update(job_id, status="failed", result={"error": str(exc)}, finished_at=now())
        return
    beating.cancel()
    await _update(job_id, status="done", result=result.summary(), finished_at=now(),
                  file_name=str(archive.relative_to(exports_dir(settings))))


async def load(job_id: int) -> dict | None:
    """The export; one whose worker job is dead (every attempt stopped) or gone is marked failed first."""
    export = await ExportJob.select().where(ExportJob.id == job_id).output(load_json=True).first()
    if export and export["status"] in ACTIVE:
        job = await Job.select(Job.status, Job.attempts).where(Job.idempotency_key == job_key(job_id)).first()
        if job is None or job["status"] == outbox.DEAD:
            await _update(job_id, status="failed", finished_at=now(), result={
                "error": "tiến trình nền đã dừng khi đang xuất; xin gửi lại / the worker stopped while this "
                         "export ran; start it again"})
            export = await ExportJob.select().where(ExportJob.id == job_id).output(load_json=True).first()
        elif export:
            export["attempt"] = job["attempts"]
    return export


async def jobs_of(username: str | None, limit: int = 50) -> list[dict]:
    """Recent exports of one officer (None: everybody's)."""
    query = ExportJob.select().order_by(ExportJob.id, ascending=False).limit(limit).output(load_json=True)
    if username is not None:
        query = query.where(ExportJob.requested_by == username)
    return await query
