"""Exports requested on the web run as background jobs inside the server process.

A job is a row of the ``export_job`` table and an ``asyncio`` task of the worker that accepted the request;
its files go to ``DATA_DIR/exports/<job id>/`` as one zip (data file and both codebooks). A running job
writes a heartbeat every few seconds; a job whose heartbeat stops (the server restarted or the worker
died) is shown as failed the next time anyone looks at it, so it never stays "running" for ever. The user
then starts it again.
"""

from __future__ import annotations

import asyncio
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from survey.db.engine import write_transaction
from survey.db.tables import ExportJob
from survey.exports.services import ExportRequest, run_export
from survey.settings import Settings

HEARTBEAT_S = 5.0
STALE_AFTER = timedelta(seconds=60)
ACTIVE = ("queued", "running")
# Tasks must be referenced until they finish, or the event loop may collect them mid-run.
_RUNNING: set[asyncio.Task] = set()


def now() -> datetime:
    return datetime.now(UTC)


def exports_dir(settings: Settings) -> Path:
    return settings.data_dir / "exports"


async def _update(job_id: int, **values: object) -> None:
    async with write_transaction():
        await ExportJob.update({getattr(ExportJob, k): v for k, v in values.items()}).where(ExportJob.id == job_id)


async def submit(request: ExportRequest, username: str, settings: Settings) -> int:
    """Record the job and start it; returns its id."""
    async with write_transaction():
        rows = await ExportJob.insert(ExportJob(requested_by=username, status="queued", params=request.to_dict(),
                                                result={"heartbeat": now().isoformat()}))
    job_id = rows[0]["id"]
    task = asyncio.create_task(_run(job_id, request, username, settings))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return job_id


def _zip(folder: Path, files: list[Path]) -> Path:
    archive = folder / (files[0].stem + ".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, arcname=path.name)
            path.unlink()
    return archive


async def _run(job_id: int, request: ExportRequest, username: str, settings: Settings) -> None:
    progress = {"rows": 0, "total": 0}

    def seen(written: int, total: int) -> None:
        progress.update(rows=written, total=total)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await _update(job_id, result={"heartbeat": now().isoformat(), **progress})

    folder = exports_dir(settings) / str(job_id)
    await _update(job_id, status="running")
    beating = asyncio.create_task(heartbeat())
    try:
        result = await run_export(request, folder, actor=username, progress=seen)
        archive = await asyncio.to_thread(_zip, folder, result.files)
    except Exception as exc:  # every failure is reported on the job's page, none is raised into the loop
        beating.cancel()
        await _update(job_id, status="failed", result={"error": str(exc)}, finished_at=now())
        return
    beating.cancel()
    await _update(job_id, status="done", result=result.summary(), finished_at=now(),
                  file_name=str(archive.relative_to(exports_dir(settings))))


async def load(job_id: int) -> dict | None:
    """The job, with a silent one (no heartbeat for a minute) marked failed first."""
    job = await ExportJob.select().where(ExportJob.id == job_id).output(load_json=True).first()
    if job and job["status"] in ACTIVE:
        beat = datetime.fromisoformat(str((job["result"] or {}).get("heartbeat", "1970-01-01T00:00:00+00:00")))
        if now() - beat > STALE_AFTER:
            await _update(job_id, status="failed", finished_at=now(),
                          result={"error": "the server stopped while this export ran; start it again"})
            job = await ExportJob.select().where(ExportJob.id == job_id).output(load_json=True).first()
    return job


async def jobs_of(username: str | None, limit: int = 50) -> list[dict]:
    """Recent jobs of one officer (None: everybody's)."""
    query = ExportJob.select().order_by(ExportJob.id, ascending=False).limit(limit).output(load_json=True)
    if username is not None:
        query = query.where(ExportJob.requested_by == username)
    return await query
