"""``survey demo`` runs a worker beside its server, and stops it with the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from survey.db.tables import Job
from tests.support import free_port, wait_until_healthy

pytestmark = pytest.mark.slow


async def ingest_jobs() -> int:
    return await Job.count().where(Job.kind == "feedback.ingest", Job.status == "done")


async def test_the_demo_runs_a_worker_and_stops_it(db, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    demo = subprocess.Popen([sys.executable, "-m", "survey.cli", "demo", "--port", str(port), "--months", "2",
                             "--scale", "0.02"], env={**os.environ, "SURVEY_BASE_URL": base},
                            stdout=open(tmp_path / "demo.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115 (the log outlives the block)
    try:
        wait_until_healthy(base, demo, timeout_s=120)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not await ingest_jobs():
            time.sleep(0.5)
        assert await ingest_jobs() >= 1, (tmp_path / "demo.log").read_text()[-2000:]
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    settled = await Job.count()
    time.sleep(6)  # longer than the ingest interval: a worker left behind would add a job
    assert await Job.count() == settled
