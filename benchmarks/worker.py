"""The job table under load: jobs per second, event-to-delivery latency, and the citizens' submission
throughput with a worker running beside the server.

    python benchmarks/worker.py throughput [--engine sqlite|postgres] [--jobs 5000] [--workers 2]
    python benchmarks/worker.py latency [--engine ...] [--rate 50] [--duration 20] [--poll 1.0]
    python benchmarks/worker.py submissions [--engine ...] [--clients 8] [--duration 20] [--rounds 2]
    python benchmarks/worker.py exports [--engine ...] [--clients 8] [--duration 20] [--rounds 2]

``throughput`` enqueues ``--jobs`` no-op jobs, then times ``--workers`` worker processes (the real ``Worker``,
concurrency 8) draining them. ``latency`` enqueues at a steady ``--rate`` per second from this process while
one worker process runs; each handler records now minus the job's enqueue time. ``submissions`` runs the
citizen traffic of ``benchmarks/load.py`` against ``survey serve`` alternately without and with ``survey
worker`` running beside it (A B A B ... so that drift of a shared machine falls on both), same database.
``exports`` does the same with a worker always running, without and with two research exports running in it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.server import DEFAULT_POSTGRES, Deployment, LiveServer, fresh_database, load_demo  # noqa: E402
from tests.support import free_port  # noqa: E402

CHILD = """
import asyncio, sys, time
from survey.db.engine import bind, engine_from_settings
from survey.jobs.worker import Worker
from survey.settings import get_settings
from piccolo.engine.postgres import PostgresEngine

async def main(log, poll):
    engine = engine_from_settings(get_settings()); bind(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)
    out = open(log, "a", buffering=1)
    async def noop(job):
        out.write(f"{time.time() - job.payload.get('at', time.time()):.6f}\\n")
    await Worker({"bench": noop}, poll_s=poll, concurrency=8).run(until_idle=poll == 0)
    out.close()

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def worker_process(env: dict, log: Path, poll: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(log), str(poll)], env=env)


async def bind_to(deployment: Deployment) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade

    engine = engine_from_settings(deployment.settings)
    bind(engine)
    await upgrade()
    if isinstance(engine, PostgresEngine):  # as the server has: a connection per query would be measured instead
        await engine.start_connection_pool(min_size=1, max_size=4)


async def throughput(args: argparse.Namespace, deployment: Deployment, scratch: Path) -> None:
    from survey.jobs import outbox

    started = time.monotonic()
    for n in range(args.jobs):
        await outbox.enqueue("bench", {"n": n})
    enqueued = time.monotonic() - started
    log = scratch / "done.log"
    started = time.monotonic()
    workers = [worker_process(deployment.env, log, 0) for _ in range(args.workers)]
    for process in workers:
        process.wait()
    drained = time.monotonic() - started
    done = (await outbox.counts())["done"]
    print(f"engine {args.engine}: enqueued {args.jobs} jobs in {enqueued:.1f} s ({args.jobs / enqueued:.0f}/s, "
          f"one transaction each); {args.workers} worker(s) ran {done} in {drained:.1f} s "
          f"({done / drained:.0f} jobs/s, process start included)")


async def latency(args: argparse.Namespace, deployment: Deployment, scratch: Path) -> None:
    from survey.jobs import outbox

    log = scratch / "latency.log"
    worker = worker_process(deployment.env, log, args.poll)
    await asyncio.sleep(3)  # the worker imports and connects
    total = int(args.rate * args.duration)
    started = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, started + n / args.rate - time.monotonic()))
        await outbox.enqueue("bench", {"n": n, "at": time.time()})
    while (await outbox.counts())["done"] < total and time.monotonic() - started < args.duration + 60:
        await asyncio.sleep(0.2)
    worker.terminate()
    worker.wait()
    values = np.array([float(line) for line in log.read_text().split()]) * 1000
    print(f"engine {args.engine}: {len(values)} of {total} events at {args.rate}/s, worker poll {args.poll} s; "
          f"event to handler p50 {np.percentile(values, 50):.0f} ms, p99 {np.percentile(values, 99):.0f} ms, "
          f"max {values.max():.0f} ms")


async def traffic_rate(deployment: Deployment, tokens, args: argparse.Namespace, seed: int) -> float:
    """Citizens' submissions acknowledged per second over ``--duration`` seconds of ``--clients`` clients."""
    import httpx

    from benchmarks.load import citizen
    from tests.reliability.citizens import Citizens, Traffic
    from tests.reliability.ledger import Ledger

    ledger, traffic = Ledger(), Traffic()
    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=args.clients * 2)) as http:
        started = time.monotonic()
        crowd = [Citizens(http, deployment.base_url, tokens, ledger, traffic, started + args.duration,
                          random.Random(seed * 1000 + n)) for n in range(args.clients)]
        await asyncio.gather(*(citizen(c, 0.2, 0.0) for c in crowd))
        return len(ledger.acknowledged) / (time.monotonic() - started)


def start_worker(deployment: Deployment) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "survey.cli", "worker"], env=deployment.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def submissions(args: argparse.Namespace, deployment: Deployment, scratch: Path) -> None:
    from tests.reliability.server import counter_tokens

    tokens = await counter_tokens(deployment.settings)
    server = LiveServer(deployment, scratch / "server.log")
    await server.start()
    results: dict[bool, list[float]] = {False: [], True: []}
    try:
        for round_ in range(args.rounds):
            for with_worker in (False, True):
                worker = start_worker(deployment) if with_worker else None
                if worker:
                    await asyncio.sleep(3)
                rate = await traffic_rate(deployment, tokens, args, round_)
                if worker:
                    worker.terminate()
                    worker.wait()
                results[with_worker].append(rate)
                print(f"round {round_ + 1}, {'with' if with_worker else 'without'} worker: {rate:.0f} submissions/s",
                      flush=True)
    finally:
        server.terminate()
    without, with_ = np.mean(results[False]), np.mean(results[True])
    print(f"engine {args.engine}: mean {without:.0f}/s without a worker, {with_:.0f}/s with one "
          f"({(with_ / without - 1) * 100:+.1f}%)")


async def exports(args: argparse.Namespace, deployment: Deployment, scratch: Path) -> None:
    """Citizens' submissions with a worker running beside the server, alternately without and with research
    exports running in that worker (two at a time, queued again as they finish, as the web page queues them)."""
    from survey.db.tables import ExportJob
    from survey.exports import jobs
    from survey.exports.services import ExportRequest
    from tests.reliability.server import counter_tokens

    tokens = await counter_tokens(deployment.settings)
    month = (await ExportJob.raw("SELECT MAX(period) AS p FROM response"))[0]["p"]
    request = ExportRequest(scope="VN", period=month, format="csv", k=5)
    server = LiveServer(deployment, scratch / "server.log")
    await server.start()
    worker = start_worker(deployment)
    results: dict[bool, list[float]] = {False: [], True: []}

    async def keep_two_running(stop: asyncio.Event) -> None:
        while not stop.is_set():
            active = await ExportJob.count().where(ExportJob.status.is_in(list(jobs.ACTIVE)))
            for _ in range(2 - active):
                await jobs.submit(request, "bench", deployment.settings)
            await asyncio.sleep(0.5)

    try:
        await asyncio.sleep(3)
        for round_ in range(args.rounds):
            for with_exports in (False, True):
                stop = asyncio.Event()
                feeder = asyncio.create_task(keep_two_running(stop)) if with_exports else None
                rate = await traffic_rate(deployment, tokens, args, round_)
                stop.set()
                if feeder:
                    await feeder
                    while await ExportJob.count().where(ExportJob.status.is_in(list(jobs.ACTIVE))):
                        await asyncio.sleep(0.5)
                results[with_exports].append(rate)
                print(f"round {round_ + 1}, {'with' if with_exports else 'without'} exports: {rate:.0f} submissions/s",
                      flush=True)
    finally:
        worker.terminate()
        worker.wait()
        server.terminate()
    done = await ExportJob.select(ExportJob.created_at, ExportJob.finished_at).where(ExportJob.status == "done")
    spans = [(r["finished_at"].replace(tzinfo=None) - r["created_at"].replace(tzinfo=None)).total_seconds()
             for r in done if r["finished_at"]]  # both UTC; SQLite returns them without an offset
    failed = await ExportJob.count().where(ExportJob.status == "failed")
    without, with_ = np.mean(results[False]), np.mean(results[True])
    print(f"engine {args.engine}: {len(done)} exports done, {failed} failed (median {np.median(spans) if spans else 0:.1f} s from request "
          f"to file); mean {without:.0f}/s without exports, {with_:.0f}/s with ({(with_ / without - 1) * 100:+.1f}%)")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="survey-worker-bench-") as folder:
        scratch = Path(folder)
        data_dir = scratch / "data"
        async with fresh_database(args.engine, data_dir, args.postgres_url) as url:
            deployment = Deployment(data_dir=data_dir, database_url=url, port=free_port())
            os.environ.update(deployment.env)
            if args.mode in ("submissions", "exports"):
                load_demo(deployment, args.scale)
            await bind_to(deployment)
            try:
                await {"throughput": throughput, "latency": latency, "submissions": submissions,
                       "exports": exports}[args.mode](
                    args, deployment, scratch)
            finally:
                from survey.db.engine import current_engine

                engine = current_engine()
                if getattr(engine, "pool", None):
                    await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["throughput", "latency", "submissions", "exports"])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.1, help="size of the demo data (submissions, exports)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
