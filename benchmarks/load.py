"""Citizen traffic against a real ``survey serve``, then a reconciliation of what it acknowledged.

    python benchmarks/load.py --clients 8 --duration 30 --engine sqlite
    python benchmarks/load.py --engine postgres --postgres-url postgresql://postgres@127.0.0.1:5432/postgres

Starts the server on a free loopback port with a fresh data directory (and, for PostgreSQL, a fresh
database, dropped afterwards), loads the demo's units and counters, and runs ``--clients`` concurrent
citizens for ``--duration`` seconds: four in five go through the survey page (GET, read the nonce, POST),
the rest through the JSON API with an idempotency key; some double-tap, drop a request half way and resend,
or resend an acknowledged JSON body. ``--pause`` is each citizen's think time between surveys, which sets
the offered rate. Prints throughput, latency percentiles and the error rate, then checks that every
acknowledged submission is in the database exactly once with all its answers, and nothing is stored half.
Exit status 1 if the reconciliation finds a problem.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.citizens import Citizens, GaveUp, Traffic  # noqa: E402
from tests.reliability.ledger import Ledger, max_response_id, reconcile  # noqa: E402
from tests.reliability.server import DEFAULT_POSTGRES, Deployment, LiveServer, counter_tokens, fresh_database, load_demo  # noqa: E402
from tests.support import free_port  # noqa: E402


async def citizen(citizens: Citizens, api_share: float, pause_s: float) -> None:
    while time.monotonic() < citizens.deadline:
        try:
            await (citizens.by_api() if citizens.rng.random() < api_share else citizens.by_page())
        except GaveUp:
            return
        if pause_s:
            await asyncio.sleep(citizens.rng.expovariate(1 / pause_s))


def report(args: argparse.Namespace, traffic: Traffic, elapsed: float, ledger: Ledger) -> None:
    latencies = np.array(traffic.latencies) * 1000
    print(f"engine {args.engine}, clients {args.clients}, duration {elapsed:.1f} s, think time {args.pause} s")
    print(f"requests {traffic.requests} ({traffic.requests / elapsed:.1f}/s), "
          f"submissions acknowledged {len(ledger.acknowledged)} ({len(ledger.acknowledged) / elapsed:.1f}/s)")
    if len(latencies):
        print(f"latency p50 {np.percentile(latencies, 50):.1f} ms, p99 {np.percentile(latencies, 99):.1f} ms, "
              f"max {latencies.max():.1f} ms")
    print(f"error rate {traffic.errors / max(traffic.requests, 1):.4%} "
          f"(5xx or failed connections; abandoned on purpose: {traffic.outcomes['abandoned']})")
    print("outcomes " + ", ".join(f"{k}: {v}" for k, v in sorted(traffic.outcomes.items())))
    print(f"acknowledged replays not recognised as replays: {traffic.unrecognised_replays}")


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="survey-load-") as scratch:
        data_dir = Path(scratch) / "data"
        async with fresh_database(args.engine, data_dir, args.postgres_url) as url:
            deployment = Deployment(data_dir=data_dir, database_url=url, port=free_port(), log_level=args.log_level)
            load_demo(deployment)
            tokens = await counter_tokens(deployment.settings)
            baseline = await max_response_id(deployment.settings)
            server = LiveServer(deployment, args.server_log or Path(scratch) / "server.log")
            await server.start()
            ledger, traffic = Ledger(), Traffic()
            limits = httpx.Limits(max_connections=args.clients * 2)
            try:
                async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:
                    started = time.monotonic()
                    deadline = started + args.duration
                    crowd = [Citizens(http, deployment.base_url, tokens, ledger, traffic, deadline,
                                      random.Random(args.seed * 1000 + n)) for n in range(args.clients)]
                    await asyncio.gather(*(citizen(c, args.api_share, args.pause) for c in crowd))
                    elapsed = time.monotonic() - started
            finally:
                status = server.terminate()
            report(args, traffic, elapsed, ledger)
            result = await reconcile(deployment.settings, ledger, baseline)
            print(f"server exit status {status}; stored {result.stored} responses, "
                  f"acknowledged {result.acknowledged}; problems: {len(result.problems)}")
            for problem in result.problems[:20]:
                print("  " + problem)
            return 1 if result.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent citizens (default 8)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of traffic (default 20)")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="server to create the run's database on")
    parser.add_argument("--pause", type=float, default=0.0, help="mean think time between surveys, seconds")
    parser.add_argument("--api-share", type=float, default=0.2, help="share of submissions through the JSON API")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-log", type=Path, help="keep the server's log in this file")
    parser.add_argument("--log-level", default="WARNING", help="the server's log level (INFO logs every request)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
