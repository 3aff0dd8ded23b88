"""``survey demo``: load the demo into the configured database (once) and serve it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from survey.csvimport import parse_period
from survey.db.runner import run_with_database
from survey.settings import Settings
from survey.system.cli import add_server_options, serve


def demo_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.demo import generator, loader
    from survey.qr.services import counter_poster

    base = f"http://{args.host}:{args.port}"

    async def prepare() -> str:
        if await loader.is_loaded():
            print("demo data already loaded; serving it")
        else:
            await load_demo()
        poster, _unit_path = await counter_poster(settings.secret_key, base, loader.DEMO_COUNTER)
        return poster.url

    async def load_demo() -> None:
        end = args.end or generator.previous_month(datetime.now(UTC))
        data = generator.generate(seed=args.seed, end_period=end, months=args.months, scale=args.scale)
        print(f"loading demo: {len(data.units)} units, {len(data.counters)} counters, "
              f"{len(data.responses)} responses over {args.months} months to {end} ...", flush=True)
        await loader.load(data)

    survey_url = run_with_database(prepare, settings, migrate=True)
    print(
        "\nThe demo is ready.\n"
        f"  Citizen survey:  {survey_url}   (counter {loader.DEMO_COUNTER}; posters: survey qr poster --help)\n"
        f"  Officer login:   {base}/login   user {loader.DEMO_ADMIN[0]} / password {loader.DEMO_ADMIN[1]}\n"
        f"                   (unit manager: {loader.DEMO_MANAGER[0]} / {loader.DEMO_MANAGER[1]})\n"
        f"  Database:        {settings.database_url}\n"
        "  Background jobs: one survey worker runs beside the server (comments, alerts, webhooks)\n"
        "Demo passwords are for this demo only. Press Ctrl+C to stop.\n",
        flush=True,
    )
    if not args.no_serve:
        with background_worker():
            serve(args.host, args.port, args.workers, settings)


@contextmanager
def background_worker() -> Iterator[subprocess.Popen]:
    """``survey worker`` beside the demo server, on the same database, stopped with it: the demo shows comments
    reaching the inbox, alerts and webhooks working."""
    worker = subprocess.Popen([sys.executable, "-m", "survey.cli", "worker"], env=dict(os.environ))
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def month(value: str) -> str:
    try:
        return parse_period(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="load demo data and serve it",
        description="Create the database if needed, load a synthetic demo (two provinces, their communes, "
        "service centres and counters, procedures, dossier volumes and months of responses) unless it is "
        "already there, then serve it.",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    parser.add_argument("--months", type=int, default=6, help="months of responses (default 6)")
    parser.add_argument("--end", metavar="YYYY-MM", type=month, help="last month of data (default: last month)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of responses")
    parser.add_argument("--no-serve", action="store_true", help="load only; do not start the server")
    add_server_options(parser)
    parser.set_defaults(handler=demo_command)
