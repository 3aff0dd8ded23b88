"""A worker process for the tests: the real ``Worker`` and job table, with handlers that write each job's start
and end to a log file (one ``os.write`` of a short line per event, atomic with O_APPEND), so that a test can
check from outside which process ran which job when.

    python -m tests.jobs.worker_process LOG [--lease S] [--concurrency N] [--until-idle] [--go FILE]

The database comes from DATABASE_URL, as for ``survey worker``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from survey.db.engine import bind, engine_from_settings
from survey.jobs.worker import Worker
from survey.settings import get_settings


def writer(log: Path):
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(event: str, job, name: str) -> None:
        os.write(descriptor, f"{event} {job.id} {job.attempt} {name} {time.time():.6f}\n".encode())

    return write


async def main(args: argparse.Namespace) -> None:
    engine = engine_from_settings(get_settings())
    bind(engine)
    write = writer(args.log)
    worker = Worker({}, lease_s=args.lease, poll_s=0.05, concurrency=args.concurrency)

    async def probe(job) -> None:
        write("start", job, worker.name)
        await asyncio.sleep(float(job.payload.get("sleep", 0)))
        write("end", job, worker.name)

    worker.handlers["probe"] = probe
    if args.go:
        while not args.go.exists():
            await asyncio.sleep(0.01)
    await worker.run(until_idle=args.until_idle)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("log", type=Path)
    parser.add_argument("--lease", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--until-idle", action="store_true")
    parser.add_argument("--go", type=Path)
    asyncio.run(main(parser.parse_args()))
