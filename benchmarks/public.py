"""The public pages under attention while citizens keep answering.

Starts ``survey serve`` on a fresh SQLite database holding a generated demo (two provinces, six months ending
with the last complete month) with Ninh Bình published, loads the province page once per worker (the one
computation of its period), then measures:

1. citizens alone: survey submissions (``POST /q/<token>``) offered at ``--citizens`` per second (500 by
   default) over 100 connections, open loop (latency from each submission's due time);
2. the cached page alone, closed loop: ``--clients`` (200) keep-alive connections each asking for
   ``/cong-khai/NB`` again as soon as the answer arrives: the maximum rate. With no pause, Little's law sets
   the mean latency to clients / rate, so this run's latency says nothing about the server;
3. the cached page alone, open loop at ``--rate`` (2,000/s) over the same 200 connections: the latency;
4. both at once: the page open loop at ``--rate`` and citizens at ``--citizens``, each from its own process;
   then the rows stored are counted against the thanked submissions (nothing may be lost).

Page requests carry a phone's Accept-Encoding, so the cached gzip body is what travels. The machine is
shared: the load average is printed beside every run, and runs are short (``--duration``).

    python benchmarks/public.py [--workers 2] [--duration 8] [--rate 2000] [--citizens 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import ingest  # noqa: E402

from tests.support import free_port  # noqa: E402

PAGE = "/cong-khai/NB"


def page_requests(port: int, count: int) -> list[bytes]:
    request = (f"GET {PAGE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n"
               f"Accept-Encoding: {ingest.PHONE_ENCODINGS}\r\n\r\n").encode()
    return [request] * count


async def seed(database_url: str, data_dir: Path) -> list[str]:
    """The demo, Ninh Bình published; the signed token of every counter of Ninh Bình."""
    os.environ.update(DATABASE_URL=database_url, SURVEY_DATA_DIR=str(data_dir), SURVEY_SECRET_KEY=ingest.SECRET)
    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade
    from survey.db.tables import Counter
    from survey.demo import generator, loader
    from survey.public.publication import set_publication
    from survey.qr.services import counter_token
    from survey.settings import get_settings

    get_settings.cache_clear()
    bind(engine_from_settings(get_settings()))
    await upgrade()
    today = date.today()
    last = f"{today.year - (today.month == 1):04d}-{(today.month - 2) % 12 + 1:02d}"
    await loader.load(generator.generate(seed=11, end_period=last, months=6, scale=0.12))
    await set_publication("NB", True, 30, "province", actor="benchmark")
    rows = await Counter.select(Counter.id).where(Counter.code.like("NB-%"))
    return [await counter_token(ingest.SECRET, row["id"]) for row in rows]


def citizen_requests(tokens: list[str], count: int, port: int) -> list[bytes]:
    # The demo's questionnaire: the benchmark's answers without the procedure code it may not know.
    ingest.ANSWERS.pop("procedure", None)
    return ingest.requests_for(tokens, count, port)


def page_load_process(port: int, args: argparse.Namespace) -> subprocess.Popen:
    """The page load from a process of its own, so that it does not share a core's event loop with the
    citizens' load."""
    command = [sys.executable, __file__, "--role", "pages", "--port", str(port), "--clients", str(args.clients),
               "--rate", str(args.rate), "--duration", str(args.duration)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT, text=True)


async def pages_role(args: argparse.Namespace) -> None:
    requests = page_requests(args.port, int(args.rate * args.duration))
    result = await ingest.paced_load(args.port, requests, args.clients, args.rate, args.duration)
    print(json.dumps(result))


def show(label: str, result: dict, stored: int | None = None) -> None:
    result.setdefault("server_cpu_ms", 0.0)
    result.setdefault("load_average", os.getloadavg()[0])
    ingest.report(label, result, stored)


async def main(args: argparse.Namespace) -> None:
    from survey.db.tables import Response

    with tempfile.TemporaryDirectory(prefix="public-") as tmp:
        folder = Path(tmp)
        tokens = await seed(f"sqlite:///{folder / 'survey.sqlite'}", folder)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'survey.sqlite'}", "SURVEY_DATA_DIR": str(folder),
               "SURVEY_SECRET_KEY": ingest.SECRET, "SURVEY_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        server = ingest.start([sys.executable, "-m", "survey.cli", "serve", "--port", str(port), "--workers",
                               str(args.workers)], env, f"http://127.0.0.1:{port}/healthz", folder / "server.log")
        try:
            started = time.perf_counter()
            # Each worker computes the page once; a few rounds of requests reach every worker.
            warm = await ingest.load(port, page_requests(port, 40 * args.workers), 4 * args.workers, 120)
            print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; first computation of {PAGE} in every "
                  f"worker within {time.perf_counter() - started:.1f} s (statuses {warm['statuses']})", flush=True)
            count = int(args.citizens * args.duration)

            async def citizens(label: str) -> None:
                before = await Response.count()
                result = await ingest.measured(server, ingest.paced_load(
                    port, citizen_requests(tokens, count, port), 100, args.citizens, args.duration))
                show(label, result, await Response.count() - before)

            await citizens("citizens alone")
            closed = await ingest.measured(server, ingest.load(port, page_requests(port, int(args.rate * args.duration)),
                                                                args.clients, args.duration))
            show("page alone", closed)
            show("page alone", await ingest.measured(server, ingest.paced_load(
                port, page_requests(port, int(args.rate * args.duration)), args.clients, args.rate, args.duration)))
            pages = page_load_process(port, args)
            await citizens("citizens with page load")
            output, _ = await asyncio.to_thread(pages.communicate)
            show("page with citizens", json.loads(output.strip().splitlines()[-1]))
        finally:
            ingest.stop(server)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--clients", type=int, default=200, help="page clients (default 200)")
    parser.add_argument("--rate", type=float, default=2000.0, help="pages offered per second, open loop (default 2000)")
    parser.add_argument("--citizens", type=float, default=500.0, help="submissions offered per second (default 500)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per run (default 8)")
    parser.add_argument("--role", default="main", choices=["main", "pages"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    import uvloop

    uvloop.install()
    arguments = parse_args()
    asyncio.run(pages_role(arguments) if arguments.role == "pages" else main(arguments))
