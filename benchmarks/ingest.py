"""Ingestion throughput: stored survey submissions per second and latency under concurrent clients.

Starts ``survey serve`` in a subprocess on a fresh database (SQLite, and PostgreSQL when a server URL is
given), posts completed survey forms (``POST /q/<token>``, the path a citizen's phone takes) over 50 and
500 concurrent keep-alive connections on loopback, then counts the stored rows. A bare litestar endpoint
that parses the same form and answers a small page, served the same way, gives the ceiling of the web
stack on this machine.

Two kinds of run at each client count:

- closed loop: every connection sends its next submission as soon as the previous answer arrives. This
  gives the maximum rate, but not a latency to compare with a goal: with N clients and no pause, Little's
  law fixes the mean latency at N / rate (500 clients at 2,000/s wait 250 ms on average).
- open loop (``--rate``): submissions are due on a fixed schedule (1,000/s by default) spread over the
  connections, as wrk2 or k6's constant-arrival-rate do. Latency is counted from each submission's due
  time, so an answer that delays the next send on its connection is not hidden (no coordinated omission);
  the achieved rate says whether the server kept up.

Requests carry a phone browser's Accept-Encoding, so answers are compressed as citizens get them.
Nonces are issued by the benchmark with the server's secret instead of fetching the page first, so the
figures are for the submission alone. Every run is bounded by a request count and a time limit.

    python benchmarks/ingest.py                       # SQLite only
    python benchmarks/ingest.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/ingest.py --workers 2 --clients 500 --rate 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import free_port  # noqa: E402

# What a phone's browser offers: the thank-you page then travels gzipped, as it does for citizens.
PHONE_ENCODINGS = "gzip, deflate, br, zstd"
SECRET = "benchmark-secret-key-" + "b" * 32
ANSWERS = {"access_sat": "5", "procedures_sat": "4", "civil_servant_sat": "4", "results_sat": "5",
           "feedback_sat": "", "overall_sat": "4", "procedure": "1.001193", "comment": ""}
UNITS = "code,name,level,parent_code\nVN,Việt Nam,country,\nNB,Ninh Bình,province,VN\n" + "".join(
    f"NB-{n:03d}-TT,Trung tâm xã {n},centre,NB\n" for n in range(1, 11))
COUNTERS = "code,name,unit_code\n" + "".join(
    f"NB-{n:03d}-TT-Q{q},Quầy {q},NB-{n:03d}-TT\n" for n in range(1, 11) for q in (1, 2))
PROCEDURES = "code,name,field\n1.001193,Đăng ký khai sinh,Hộ tịch\n1.000894,Đăng ký kết hôn,Hộ tịch\n"
BARE_APP = textwrap.dedent('''
    from litestar import Litestar, Request, post
    from litestar.response import Response

    @post("/q/{token:str}", status_code=200)
    async def submit(request: Request, token: str) -> Response:
        form = await request.form()
        return Response("<!doctype html><p>Cảm ơn " + str(len(form)) + "</p>", media_type="text/html")

    app = Litestar([submit], debug=False, logging_config=None)
''')
# A started application's heap, and what a full garbage collection of it costs before and after
# ``survey serve``'s start-up freezes it (survey.system.warmup): the pause every request in flight waits out.
HEAP_PROBE = textwrap.dedent('''
    import gc, json, statistics, time
    from litestar.testing import TestClient
    from survey.app import create_app
    from survey.system.warmup import ready_process

    def full_collection_ms():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            gc.collect()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    app = create_app()
    with TestClient(app=app) as client:
        client.get("/healthz")
        tracked, before = len(gc.get_objects()), full_collection_ms()
        ready_process(app)
        print(json.dumps({"tracked": tracked, "before_ms": before, "after_ms": full_collection_ms()}))
''')


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in time")


async def seed(database_url: str, data_dir: Path) -> list[str]:
    """A province with 10 centres and 20 counters; the signed token of each counter."""
    os.environ.update(DATABASE_URL=database_url, SURVEY_DATA_DIR=str(data_dir), SURVEY_SECRET_KEY=SECRET)
    from piccolo.engine.postgres import PostgresEngine

    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade
    from survey.db.tables import Counter
    from survey.qr.services import counter_token
    from survey.settings import get_settings
    from survey.units.services import import_counters, import_procedures, import_units

    get_settings.cache_clear()
    engine = engine_from_settings(get_settings())
    bind(engine)
    await upgrade()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool()
    await import_units(UNITS)
    await import_counters(COUNTERS)
    await import_procedures(PROCEDURES)
    return [await counter_token(SECRET, row["id"]) for row in await Counter.select(Counter.id)]


async def count_rows() -> int:
    from survey.db.tables import Response

    return await Response.count()


def requests_for(tokens: list[str], count: int, port: int) -> list[bytes]:
    from survey.citizen.nonce import issue

    built = []
    for number in range(count):
        token = tokens[number % len(tokens)]
        body = urlencode({**ANSWERS, "nonce": issue(SECRET, token)}).encode()
        built.append(
            f"POST /q/{token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"User-Agent: bench-{number}\r\nAccept-Encoding: {PHONE_ENCODINGS}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
    return built


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return status


def summary(clients: int, latencies: list[float], statuses: dict[int, int], failures: int, elapsed: float) -> dict:
    latencies = sorted(latencies) or [0.0]
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    done = sum(statuses.values())
    return {
        "clients": clients, "sent": done, "seconds": elapsed, "per_s": done / elapsed,
        "p50_ms": quantile(0.50), "p99_ms": quantile(0.99), "max_ms": latencies[-1] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000, "statuses": statuses, "client_errors": failures,
    }


async def connect(port: int, clients: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """The connections of a run, opened before it starts. The pause lets the server accept them all: a
    connection still waiting to be accepted when a saturating load begins was served only once the others
    went quiet (seconds later, with bare litestar too), which measures uvicorn's accept fairness under
    overload rather than the submission."""
    connections = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(clients)))
    await asyncio.sleep(0.5)
    return connections


async def load(port: int, requests: list[bytes], clients: int, limit_s: float) -> dict:
    """Closed loop: ``clients`` keep-alive connections each send the next request as soon as the previous
    answer arrives, until ``requests`` are used up or ``limit_s`` has passed. Gives the maximum rate; the
    latency is then set by the client count (Little's law: mean latency = clients / rate)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connections = await connect(port, clients)
    deadline = time.monotonic() + limit_s

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while queue and time.monotonic() < deadline:
                request = queue.pop()
                started = time.perf_counter()
                writer.write(request)
                status = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    results = await asyncio.gather(*(client(*pair) for pair in connections), return_exceptions=True)
    failures = sum(isinstance(r, BaseException) for r in results)
    return summary(clients, latencies, statuses, failures, time.perf_counter() - started)


async def paced_load(port: int, requests: list[bytes], clients: int, rate: float, limit_s: float) -> dict:
    """Open loop: request k is due at start + k / rate, whatever happened to the others, spread over
    ``clients`` keep-alive connections (request k on connection k mod clients). Latency runs from the due
    time, not from the actual send, so a slow answer that delays the next send on its connection counts
    against the server (no coordinated omission). Requests still unsent ``limit_s`` after their due time
    are dropped and show as a shortfall of the achieved rate."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    late_sends = 0
    connections = await connect(port, clients)
    # perf_counter, not loop.time(): uvloop's clock counts whole milliseconds.
    start = time.perf_counter()

    async def client(index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal late_sends
        try:
            for number in range(index, len(requests), clients):
                due = start + number / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                elif wait < -limit_s:
                    return
                elif wait < -0.005:
                    late_sends += 1
                writer.write(requests[number])
                status = await read_response(reader)
                latencies.append(time.perf_counter() - due)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    results = await asyncio.gather(*(client(n, *pair) for n, pair in enumerate(connections)), return_exceptions=True)
    failures = sum(isinstance(r, BaseException) for r in results)
    result = summary(clients, latencies, statuses, failures, time.perf_counter() - start)
    result.update(offered=rate, late_sends=late_sends)
    return result


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its worker processes (Linux): a cost per request
    that other load on a shared machine does not inflate the way wall-clock rates are."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue  # the process ended meanwhile
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def measured(server: subprocess.Popen, run: Awaitable[dict]) -> dict:
    load_average = os.getloadavg()[0]
    before = cpu_seconds(server.pid)
    result = await run
    result["server_cpu_ms"] = (cpu_seconds(server.pid) - before) * 1000 / max(1, result["sent"])
    result["load_average"] = load_average
    return result


def start(command: list[str], env: dict[str, str], health: str, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT)
    wait_healthy(health, process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def report(label: str, result: dict, stored: int | None = None) -> None:
    ok = result["statuses"].get(200, 0)
    if "offered" in result:
        mode = f"open {result['offered']:.0f}/s"
        tail = f"  sent late {result['late_sends']}"
    else:
        mode, tail = "closed", ""
    if stored is not None:
        tail += f"  stored {stored} of {ok} thanked"
    print(f"{label:<26} {mode:<11} clients {result['clients']:>4}  {result['per_s']:>6.0f}/s"
          f"  p50 {result['p50_ms']:>6.1f} ms  p99 {result['p99_ms']:>6.1f} ms  max {result['max_ms']:>6.0f} ms"
          f"  statuses {result['statuses']}  socket errors {result['client_errors']}"
          f"  server CPU {result['server_cpu_ms']:.2f} ms/request  load {result['load_average']:.1f}{tail}",
          flush=True)


async def run_loads(label: str, server: subprocess.Popen, port: int, tokens: list[str], args: argparse.Namespace,
                    count: Callable[[], Awaitable[int]] | None = None) -> None:
    """Closed-loop runs, then open-loop runs at ``args.rate``, at each client count; with ``count``, the
    rows stored by each run are counted afterwards."""
    runs = [lambda c=clients: load(port, requests_for(tokens, args.requests, port), c, args.seconds)
            for clients in args.clients]
    if args.rate:
        paced = int(args.rate * args.duration)
        runs += [lambda c=clients: paced_load(port, requests_for(tokens, paced, port), c, args.rate, args.seconds)
                 for clients in args.clients]
    for make in runs:
        before = await count() if count else 0
        result = await measured(server, make())
        report(label, result, await count() - before if count else None)


async def bench_storage(name: str, token: str, batch_sizes: list[int], count: int = 2000) -> None:
    """The write path alone, in this process: submissions stored per second at a given batch size."""
    import instruments
    from survey.citizen.nonce import issue
    from survey.citizen.submissions import Submission, write_batch
    from survey.citizen.targets import resolve

    target = await resolve(token, SECRET)
    instrument = instruments.get("sipas_qr")
    answers = instrument.validate_answers(ANSWERS)
    for size in batch_sizes:
        subs = [Submission(target, instrument, answers, issue(SECRET, token), f"storage-{n}", "qr") for n in range(count)]
        cpu, wall = time.process_time(), time.perf_counter()
        for start in range(0, count, size):
            await write_batch(subs[start:start + size], "Asia/Ho_Chi_Minh")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{'storage ' + name:<28} batch {size:>4}  {count / wall:>7.0f}/s  CPU {cpu / count * 1000:.3f} ms/submission",
              flush=True)


def heap_pause(env: dict[str, str]) -> None:
    probe = subprocess.run([sys.executable, "-c", HEAP_PROBE], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True)
    heap = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"{'heap':<28} {heap['tracked']:,} objects after start-up; a full garbage collection takes "
          f"{heap['before_ms']:.1f} ms, {heap['after_ms']:.1f} ms once frozen (survey serve)", flush=True)


async def bench_survey(name: str, database_url: str, data_dir: Path, args: argparse.Namespace) -> None:
    tokens = await seed(database_url, data_dir)
    await bench_storage(name, tokens[0], [1, 25, 250])
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SURVEY_DATA_DIR": str(data_dir),
           "SURVEY_SECRET_KEY": SECRET, "SURVEY_LOG_LEVEL": args.log_level, "SURVEY_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT)}
    heap_pause(env)
    server = start([sys.executable, "-m", "survey.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
                   env, f"http://127.0.0.1:{port}/healthz", data_dir / "server.log")
    try:
        await run_loads(f"survey {name} ({args.workers}w)", server, port, tokens, args, count_rows)
    finally:
        stop(server)


async def bench_bare(args: argparse.Namespace, folder: Path) -> None:
    (folder / "bare_app.py").write_text(BARE_APP)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(folder)}
    server = start([sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port), "--no-access-log",
                    "--log-level", "warning", "--workers", str(args.workers)],
                   env, f"http://127.0.0.1:{port}/", folder / "bare.log")
    try:
        await run_loads(f"bare litestar ({args.workers}w)", server, port, ["x" * 22], args)
    finally:
        stop(server)


async def postgres_database(server_url: str, name: str, create: bool) -> None:
    import asyncpg

    from survey.db.engine import postgres_config

    connection = await asyncpg.connect(**postgres_config(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        folder = Path(tmp)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.requests} submissions per run "
              f"(at most {args.seconds:.0f} s); server log level {args.log_level}", flush=True)
        await bench_bare(args, folder)
        (folder / "sqlite").mkdir()
        await bench_survey("SQLite", f"sqlite:///{folder / 'sqlite' / 'survey.sqlite'}", folder / "sqlite", args)
        if args.postgres:
            name = f"survey_bench_{uuid.uuid4().hex[:8]}"
            await postgres_database(args.postgres, name, create=True)
            try:
                base = args.postgres.rsplit("/", 1)[0]
                (folder / "pg").mkdir()
                await bench_survey("PostgreSQL", f"{base}/{name}", folder / "pg", args)
            finally:
                from survey.db.engine import current_engine

                engine = current_engine()
                if getattr(engine, "pool", None):
                    await engine.close_connection_pool()
                await postgres_database(args.postgres, name, create=False)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda v: [int(x) for x in v.split(",")], default=[50, 500])
    parser.add_argument("--requests", type=int, default=5000, help="submissions per run (default 5000)")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per run (default 30)")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="open-loop runs: submissions offered per second over the --clients connections "
                             "(default 1000; 0 skips them)")
    parser.add_argument("--duration", type=float, default=10.0, help="length of an open-loop run (default 10 s)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--log-level", default="WARNING", help="server log level (INFO logs every request)")
    parser.add_argument("--postgres", default=os.environ.get("SURVEY_TEST_POSTGRES", ""),
                        help="PostgreSQL server URL; a scratch database is created and dropped")
    return parser.parse_args()


if __name__ == "__main__":
    import uvloop

    uvloop.install()
    asyncio.run(main(parse_args()))
