"""Several worker processes on one job table (both engines): no job is run twice at the same time, none is
lost, and a job held by a worker killed with SIGKILL is run again by another."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from survey.db.tables import Job
from survey.jobs import outbox
from tests.jobs.waiting import wait_for

pytestmark = pytest.mark.slow


def start_worker(log: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.jobs.worker_process", str(log), *options],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=open(f"{log}.err", "ab"))


def events(log: Path) -> list[tuple[str, int, int, str, float]]:
    if not log.exists():
        return []
    rows = []
    for line in log.read_text().splitlines():
        event, job_id, attempt, name, at = line.split()
        rows.append((event, int(job_id), int(attempt), name, float(at)))
    return rows



async def test_three_workers_never_share_a_job(db, tmp_path):
    total = 300
    for n in range(total):
        await outbox.enqueue("probe", {"sleep": 0.01, "n": n})
    log, go = tmp_path / "events.log", tmp_path / "go"
    workers = [start_worker(log, "--until-idle", "--go", str(go), "--concurrency", "4") for _ in range(3)]
    time.sleep(1.5)  # let all three import and connect, then release them together
    go.touch()
    for process in workers:
        assert process.wait(timeout=120) == 0, (tmp_path / "events.log.err").read_text()
    runs: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    for event, job_id, _attempt, name, at in events(log):
        runs[job_id].append((event, name, at))
    assert len(runs) == total
    assert all([e for e, _, _ in run] == ["start", "end"] and run[0][1] == run[1][1] for run in runs.values())
    by_worker = {run[0][1] for run in runs.values()}
    assert len(by_worker) >= 2, "one worker took everything: the test would prove nothing"
    assert (await outbox.counts())["done"] == total


async def test_a_job_held_by_a_killed_worker_is_run_again(db, tmp_path):
    await outbox.enqueue("probe", {"sleep": 30}, key="long-one")
    log = tmp_path / "events.log"
    first = start_worker(log, "--lease", "2")
    wait_for(lambda: any(e[0] == "start" for e in events(log)), 30, "the first worker to start the job")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    held = await Job.select(Job.status, Job.attempts).first()
    assert held == {"status": "running", "attempts": 1}
    await Job.update({Job.payload: {"sleep": 0}}).where(Job.idempotency_key == "long-one")
    second = start_worker(log, "--lease", "2")
    try:
        wait_for(lambda: any(e[0] == "end" for e in events(log)), 30, "the job to be run again")
        # The handler has ended; the worker marks its batch done just after (at least once: a stop in between
        # would run the job once more, never lose it). Wait for that mark before stopping the worker.
        for _ in range(300):
            done = await Job.select(Job.status, Job.attempts).first()
            if done["status"] == "done":
                break
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)
    starts = [(attempt, name) for event, _id, attempt, name, _at in events(log) if event == "start"]
    assert [attempt for attempt, _ in starts] == [1, 2] and starts[0][1] != starts[1][1]
    assert done == {"status": "done", "attempts": 2}
