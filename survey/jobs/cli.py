"""``survey worker`` (process background jobs) and ``survey jobs`` (see and resend them)."""

from __future__ import annotations

import argparse
import asyncio
import signal

from survey.core.errors import CommandError
from survey.system.cli import positive_int


def positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return number


async def run_worker(args: argparse.Namespace) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from survey.db.engine import current_engine
    from survey.jobs.kinds import LONG_KINDS, handlers, periodic
    from survey.jobs.worker import Worker
    from survey.logs import configure_logging
    from survey.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=max(2, args.concurrency + 1))
    worker = Worker(handlers(), lease_s=args.lease, poll_s=args.poll, concurrency=args.concurrency,
                    periodic=periodic(), long_kinds=LONG_KINDS)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Finish the jobs in hand, then stop; a second signal is not needed, and kill -9 loses nothing.
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run(until_idle=args.once)
    finally:
        if isinstance(engine, PostgresEngine) and engine.pool:
            await engine.close_connection_pool()


async def list_jobs(args: argparse.Namespace) -> None:
    from survey.jobs.services import job_counts, recent_jobs

    counts = await job_counts()
    print("  ".join(f"{status}: {n}" for status, n in counts.items()))
    for job in await recent_jobs(args.status, limit=args.limit):
        print(f"{job.id}\t{job.kind}\t{job.status}\tattempts {job.attempts}/{job.max_attempts}\t{job.last_error}")


async def retry_job(args: argparse.Namespace) -> None:
    from survey.jobs.services import JobError, resend_dead

    try:
        await resend_dead(args.id, actor="cli")
    except JobError as exc:
        raise CommandError(str(exc)) from None
    print(f"job {args.id} queued again")


def register(commands: argparse._SubParsersAction) -> None:
    from survey.db.runner import run_with_database
    from survey.jobs.outbox import STATUSES

    worker = commands.add_parser(
        "worker", help="process background jobs (webhooks, e-mail, digests, exports)",
        description="Claim and run due jobs from the database's job table until stopped (SIGTERM or Ctrl+C "
        "finishes the jobs in hand first). Run as many as you like, on any machine that reaches the database.",
    )
    worker.add_argument("--concurrency", type=positive_int, default=4, help="jobs run at once (default 4)")
    worker.add_argument("--lease", type=positive_float, default=60.0,
                        help="seconds a claimed job stays reserved without renewal; a killed worker's jobs are "
                        "taken over after this (default 60)")
    worker.add_argument("--poll", type=positive_float, default=1.0, help="seconds between looks when idle (default 1)")
    worker.add_argument("--once", action="store_true", help="stop when no job is due")
    worker.set_defaults(handler=lambda args, settings: run_with_database(lambda: run_worker(args), settings,
                                                                                    migrate=True))

    jobs = commands.add_parser("jobs", help="list background jobs, send dead ones again",
                               description="List background jobs or send a dead job again.")
    actions = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="counts per status and the latest jobs")
    listing.add_argument("--status", choices=STATUSES, default=None, help="only jobs in this status")
    listing.add_argument("--limit", type=positive_int, default=50, help="how many jobs (default 50)")
    listing.set_defaults(handler=lambda args, settings: run_with_database(lambda: list_jobs(args), settings,
                                                                                    migrate=False))
    retry = actions.add_parser("retry", help="queue a dead job again with fresh attempts")
    retry.add_argument("id", type=positive_int)
    retry.set_defaults(handler=lambda args, settings: run_with_database(lambda: retry_job(args), settings,
                                                                                    migrate=True))
