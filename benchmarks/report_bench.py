"""Report timings on a national-size database: 34 provinces, 3,321 communes, millions of responses.

Synthesizes the unit tree, counters, dossier volumes and responses (only the response columns the
reports read) straight into a fresh database of each engine, then times, from the database:

- the national report for a quarter as PDF (goal: 60 s), and
- one province's report page as HTML (goal: 5 s),

each split into the SQL ``GROUP BY``, the estimation and the rendering. The heavy aggregation runs in
the database; Python sees one row per (unit, month, status, answer pattern).

Run: python benchmarks/report_bench.py                       (10 million responses, SQLite and PostgreSQL)
     python benchmarks/report_bench.py --responses 200000 --engine sqlite
PostgreSQL: --postgres postgresql://postgres@127.0.0.1:5432/postgres (or SURVEY_TEST_POSTGRES); a database
named survey_bench_<random> is created there and dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import instruments

PROVINCES = 34
COMMUNES = 3321
END_MONTH = "2026-09"
MONTHS = 12
REPORT_PERIOD = "2026-Q3"
FLAGGED_SHARE = 0.004
SKIP_FEEDBACK = 0.18
# Rows are written as version 1 would have scored them.
SIPAS_QR_FINGERPRINT = instruments.get("sipas_qr", 1).index.fingerprint
RESPONSE_COLUMNS = ("id", "instrument_key", "instrument_version", "counter", "unit", "stratum", "channel",
                    "received_at", "period", "status", "nonce", "device_hash", "e1", "e2", "e3", "e4", "e5", "overall",
                    "index_fingerprint")


@dataclass
class Tree:
    units: list[tuple]  # id, code, name, level, parent, path
    counters: list[tuple]  # id, unit, code, name, instrument_key
    counter_unit: np.ndarray
    counter_stratum: np.ndarray
    counter_share: np.ndarray  # share of all dossiers passing through each counter
    centre_effect: np.ndarray  # logit-scale satisfaction of each counter's centre
    centre_ids: np.ndarray
    centre_share: np.ndarray


def build_tree(rng: np.random.Generator) -> Tree:
    units: list[tuple] = [(1, "VN", "Việt Nam", "country", None, "/1/")]
    next_id = 2
    communes_per_province = np.full(PROVINCES, COMMUNES // PROVINCES)
    communes_per_province[: COMMUNES % PROVINCES] += 1
    centres: list[tuple[int, int, bool]] = []  # centre id, province id, is provincial hub
    for p in range(PROVINCES):
        province_id, province_path = next_id, f"/1/{next_id}/"
        units.append((province_id, f"P{p + 1:02d}", f"Tỉnh Thử Nghiệm {p + 1:02d}", "province", 1, province_path))
        hub = next_id + 1
        units.append((hub, f"P{p + 1:02d}-TTPVHCC", f"Trung tâm Phục vụ hành chính công tỉnh {p + 1:02d}", "centre",
                      province_id, f"{province_path}{hub}/"))
        centres.append((hub, province_id, True))
        next_id += 2
        for c in range(communes_per_province[p]):
            commune, centre = next_id, next_id + 1
            code = f"P{p + 1:02d}-{c + 1:03d}"
            units.append((commune, code, f"Xã Đồng Tâm {p + 1:02d}-{c + 1:03d}", "commune", province_id,
                          f"{province_path}{commune}/"))
            units.append((centre, f"{code}-TT", f"Trung tâm PVHCC xã {p + 1:02d}-{c + 1:03d}", "centre", commune,
                          f"{province_path}{commune}/{centre}/"))
            centres.append((centre, province_id, False))
            next_id += 2
    counters: list[tuple] = []
    counter_unit, counter_stratum, counter_share, counter_effect = [], [], [], []
    code_of = {u[0]: u[1] for u in units}
    centre_volume = np.array([rng.integers(1200, 6000) if hub else rng.integers(300, 1500) for _, _, hub in centres],
                             dtype=float)
    effects = np.array([rng.normal(2.9, 0.3) if hub else rng.normal(2.4, 0.7) for _, _, hub in centres])
    for (centre, province, hub), volume, effect in zip(centres, centre_volume, effects):
        k = 5 if hub else int(rng.integers(2, 4))
        split = rng.dirichlet(np.full(k, 4.0)) * volume
        for q in range(k):
            counters.append((len(counters) + 1, centre, f"{code_of[centre]}-Q{q + 1}", f"Quầy {q + 1}", "sipas_qr"))
            counter_unit.append(centre)
            counter_stratum.append(province)
            counter_share.append(split[q])
            counter_effect.append(effect + rng.normal(0, 0.35))
    share = np.array(counter_share)
    return Tree(units, counters, np.array(counter_unit), np.array(counter_stratum), share / share.sum(),
                np.array(counter_effect), np.array([c[0] for c in centres]), centre_volume / centre_volume.sum())


def months_ending(end: str, count: int) -> list[str]:
    year, month = map(int, end.split("-"))
    numbers = [year * 12 + month - 1 - k for k in range(count)][::-1]
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in numbers]


@dataclass
class MonthArrays:
    counter: np.ndarray  # 0-based counter index, sorted
    ratings: np.ndarray  # n × 5 element ratings
    skipped: np.ndarray  # the feedback element (e5) not answered
    overall: np.ndarray
    flagged: np.ndarray


def month_arrays(rng: np.random.Generator, tree: Tree, n: int, month_index: int) -> MonthArrays:
    """One month of responses as arrays, ordered by counter (as they would cluster in the indexes anyway)."""
    counter = np.sort(rng.choice(len(tree.counter_unit), size=n, p=tree.counter_share))
    logits = tree.centre_effect[counter][:, None] + 0.05 * month_index + np.array([0.3, -0.5, 0.6, 0.2, -0.8])
    satisfied = rng.random((n, 5)) < 1 / (1 + np.exp(-logits))
    ratings = np.where(satisfied, rng.choice([4, 5], size=(n, 5)), rng.choice([1, 2, 3], size=(n, 5), p=[0.1, 0.25, 0.65]))
    overall = np.where(satisfied.mean(axis=1) + rng.normal(0, 0.2, n) > 0.5, rng.choice([4, 5], n), rng.choice([2, 3], n))
    skipped = rng.random(n) < SKIP_FEEDBACK
    return MonthArrays(counter, ratings, skipped, overall, rng.random(n) < FLAGGED_SHARE)


def month_responses(rng: np.random.Generator, tree: Tree, n: int, month_index: int, first_id: int,
                    period: str) -> list[tuple]:
    """One month of responses as rows of ``RESPONSE_COLUMNS``."""
    month = month_arrays(rng, tree, n, month_index)
    counter, ratings, overall = month.counter, month.ratings, month.overall
    e5 = ratings[:, 4].astype(object)
    e5[month.skipped] = None
    ids = np.arange(first_id, first_id + n)
    status = np.where(month.flagged, "flagged", "valid").tolist()
    received = datetime(int(period[:4]), int(period[5:]), 15, 3, 0, tzinfo=UTC)
    counters = (counter + 1).tolist()
    return list(zip(
        ids.tolist(), ["sipas_qr"] * n, [1] * n, counters, tree.counter_unit[counter].tolist(),
        tree.counter_stratum[counter].tolist(), ["qr"] * n, [received] * n, [period] * n, status,
        [f"b{i:x}" for i in ids.tolist()], [""] * n, *(ratings[:, j].tolist() for j in range(4)), e5.tolist(),
        overall.tolist(), [SIPAS_QR_FINGERPRINT] * n,
    ))


class MonthRollup:
    """The rollup rows one month's responses are counted into (``survey.rollup.cells``), accumulated straight
    from the arrays, chunk by chunk: ``response_cell`` as a closed month (one row per month) and
    ``counter_day_cell`` (every response of the benchmark arrives on the 15th at 10:00 local time)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.patterns = np.zeros((int(tree.counter_unit.max()) + 1) * 2 * 729, dtype=np.int64)
        self.counter_days = np.zeros((len(tree.counter_unit) * 2, 13), dtype=np.int64)

    def add(self, month: MonthArrays) -> None:
        satisfied = month.ratings >= 4
        states = np.where(satisfied, 2, 1)
        states[:, 4] = np.where(month.skipped, 0, states[:, 4])
        pattern = (states * 3 ** np.arange(5)).sum(axis=1) + np.where(month.overall >= 4, 2, 1) * 3 ** 5
        status = month.flagged.astype(np.int64)
        unit = self.tree.counter_unit[month.counter].astype(np.int64)
        self.patterns += np.bincount((unit * 2 + status) * 729 + pattern, minlength=len(self.patterns))
        group = month.counter.astype(np.int64) * 2 + status
        ones = np.ones(len(group), dtype=bool)
        columns = (ones, ones, ones, ones, ones, ~month.skipped, ones, *satisfied[:, :4].T,
                   satisfied[:, 4] & ~month.skipped, month.overall >= 4)
        for j, column in enumerate(columns):
            self.counter_days[:, j] += np.bincount(group, weights=column, minlength=len(self.counter_days)).astype(np.int64)

    def rows(self, period: str) -> tuple[list[tuple], list[tuple]]:
        names = ("valid", "flagged")
        stratum_of = dict(zip(self.tree.counter_unit.tolist(), self.tree.counter_stratum.tolist()))
        keys = np.flatnonzero(self.patterns)
        units, rest = np.divmod(keys, 2 * 729)
        statuses, patterns = np.divmod(rest, 729)
        cells = [(stratum_of[u], u, period, "", names[st], "sipas_qr", 1, SIPAS_QR_FINGERPRINT, pt, c)
                 for u, st, pt, c in zip(units.tolist(), statuses.tolist(), patterns.tolist(),
                                         self.patterns[keys].tolist())]
        day = f"{period}-15"
        counter_days = [(int(self.tree.counter_stratum[g // 2]), int(self.tree.counter_unit[g // 2]), period, g // 2 + 1,
                         day, names[g % 2], "sipas_qr", SIPAS_QR_FINGERPRINT, *self.counter_days[g].tolist())
                        for g in np.flatnonzero(self.counter_days[:, 0]).tolist()]
        return cells, counter_days


def volumes(rng: np.random.Generator, tree: Tree, total: int, periods: list[str]) -> list[tuple]:
    """Dossiers per centre and month: about ten times the responses (a 10% response rate)."""
    per_month = total / len(periods)
    rows = []
    for period in periods:
        dossiers = np.maximum(1, (tree.centre_share * per_month * 10 * rng.uniform(0.9, 1.1, len(tree.centre_ids))))
        rows += [(int(u), period, int(d)) for u, d in zip(tree.centre_ids, dossiers)]
    return rows


class Loader:
    """Bulk writes for one engine: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> Loader:
        if self.url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            self.sqlite.execute("PRAGMA synchronous=OFF")
        else:
            import asyncpg

            from survey.db.engine import postgres_config

            self.pg = await asyncpg.connect(**postgres_config(self.url))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite.close()
        else:
            await self.pg.close()

    async def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if self.url.startswith("sqlite"):
            # SQLite stores timestamps as piccolo does: ISO text.
            rows = [tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in r) for r in rows] \
                if table == "response" and rows else rows
            with self.sqlite:
                self.sqlite.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        else:
            await self.pg.copy_records_to_table(table, records=rows, columns=list(columns))

    async def analyze(self) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite.execute("ANALYZE")
        else:
            await self.pg.execute("ANALYZE")


async def write_tree(loader: Loader, rng: np.random.Generator, tree: Tree, responses: int,
                     periods: list[str]) -> np.ndarray:
    """Units, counters and volumes; returns the responses of each month."""
    await loader.write("unit", ("id", "code", "name", "level", "parent", "path"), tree.units)
    await loader.write("counter", ("id", "unit", "code", "name", "instrument_key"), tree.counters)
    await loader.write("dossier_volume", ("unit", "period", "dossiers"), volumes(rng, tree, responses, periods))
    per_month = np.full(MONTHS, responses // MONTHS)
    per_month[: responses % MONTHS] += 1
    return per_month


async def load(url: str, responses: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    tree = build_tree(rng)
    periods = months_ending(END_MONTH, MONTHS)
    start = time.perf_counter()
    async with Loader(url) as loader:
        per_month = await write_tree(loader, rng, tree, responses, periods)
        first = 1
        for index, (period, n) in enumerate(zip(periods, per_month)):
            await loader.write("response", RESPONSE_COLUMNS, month_responses(rng, tree, int(n), index, first, period))
            first += int(n)
            print(f"  loaded {first - 1:,} responses ({period})", flush=True)
        await loader.analyze()
    if url.startswith("postgres"):
        # The bulk load set explicit ids; move the sequences past them as the application expects.
        async with Loader(url) as loader:
            for table in ("unit", "counter", "response"):
                await loader.pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    return time.perf_counter() - start


PATTERN_COLUMNS = ("stratum", "unit", "period", "day", "status", "instrument_key", "instrument_version",
                   "index_fingerprint", "pattern", "n")
COUNTER_DAY_COLUMNS = ("stratum", "unit", "period", "counter", "day", "status", "instrument_key", "index_fingerprint",
                       "n", "a0", "a1", "a2", "a3", "a4", "a5", "s0", "s1", "s2", "s3", "s4", "s5")
CHUNK = 1_000_000


async def load_rollup(url: str, responses: int, seed: int) -> float:
    """Units, counters, volumes and the rollup of ``responses`` synthesized responses, without the rows."""
    rng = np.random.default_rng(seed)
    tree = build_tree(rng)
    periods = months_ending(END_MONTH, MONTHS)
    start = time.perf_counter()
    async with Loader(url) as loader:
        per_month = await write_tree(loader, rng, tree, responses, periods)
        for index, (period, n) in enumerate(zip(periods, per_month)):
            rollup = MonthRollup(tree)
            for offset in range(0, int(n), CHUNK):
                rollup.add(month_arrays(rng, tree, min(CHUNK, int(n) - offset), index))
            cells, counter_days = rollup.rows(period)
            await loader.write("response_cell", PATTERN_COLUMNS, cells)
            await loader.write("counter_day_cell", COUNTER_DAY_COLUMNS, counter_days)
            strata = sorted({row[0] for row in cells})
            await loader.write("cell_version", ("stratum", "period", "version"), [(s, period, 1) for s in strata])
            print(f"  rollup of {n:,} responses in {period}: {len(cells):,} pattern rows, "
                  f"{len(counter_days):,} counter-day rows", flush=True)
        await loader.analyze()
    return time.perf_counter() - start


async def timed(label: str, work):
    start = time.perf_counter()
    result = await work
    elapsed = time.perf_counter() - start
    print(f"  {label:<46} {elapsed:8.2f} s", flush=True)
    return result, elapsed


async def measure(province: str) -> dict[str, float]:
    from survey.core.periods import month_label
    from survey.reports import totals_query as query
    from survey.reports.cache import cached_report
    from survey.reports.render_html import render_standalone_html
    from survey.reports.render_pdf import render_pdf
    from survey.reports.services import TREND_MONTHS, Clock, build_report, parse_request

    figures = {}
    national = parse_request("VN", REPORT_PERIOD)
    strata = await query.strata_of(await query.scope_unit("VN"))
    window = national.period.ending_window(TREND_MONTHS)
    months = [month_label(m) for m in range(min(window.first, national.period.previous().first), national.period.last + 1)]
    cells, figures["national rollup read"] = await timed(
        f"national rollup read ({months[0]}..{months[-1]})",
        query.pattern_counts(strata, "sipas_qr", months, (*query.ELEMENT_COLUMNS, query.OVERALL_COLUMN), (4, 5)))
    print(f"  ({cells.size:,} (unit, month, status, answer pattern) groups returned)")
    clock = Clock.now("Asia/Ho_Chi_Minh")
    for scope in ("VN", province):
        request = parse_request(scope, REPORT_PERIOD)
        await cached_report(request, "vi", "Asia/Ho_Chi_Minh", clock)
        times = []
        for _ in range(20):
            begin = time.perf_counter()
            await cached_report(request, "vi", "Asia/Ho_Chi_Minh", clock)
            times.append(time.perf_counter() - begin)
        figures[f"{scope} cached report (median of 20)"] = float(np.median(times))
        print(f"  {scope} cached report: median {np.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
    for attempt in (1, 2):
        report, built = await timed(f"national report built (run {attempt})", build_report(national))
        pdf, rendered = await timed("  PDF rendered", asyncio.to_thread(render_pdf, report))
        figures[f"national PDF total (run {attempt})"] = built + rendered
        print(f"  national PDF total {built + rendered:.2f} s, {len(pdf) / 1e6:.1f} MB, "
              f"{report.composite.n:,} responses in the quarter, composite {report.composite.value:.4f}")
    for attempt in (1, 2):
        report, built = await timed(f"province {province} report built (run {attempt})",
                                    build_report(parse_request(province, REPORT_PERIOD)))
        _, rendered = await timed("  HTML rendered (charts + template)", asyncio.to_thread(render_standalone_html, report))
        figures[f"province HTML total (run {attempt})"] = built + rendered
        print(f"  province HTML total {built + rendered:.2f} s ({report.composite.n:,} responses in the quarter)")
    return figures


async def run_engine(url: str, responses: int, seed: int, data_dir: Path, rollup_only: bool = False) -> dict[str, float]:
    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade
    from survey.settings import get_settings

    os.environ.update({"DATABASE_URL": url, "SURVEY_DATA_DIR": str(data_dir), "SURVEY_LOG_FORMAT": "text",
                       "SURVEY_SECRET_KEY": "benchmark-secret-key-" + "x" * 32})
    get_settings.cache_clear()
    bind(engine_from_settings(get_settings()))
    await upgrade()
    if rollup_only:
        print(f"synthesizing the rollup of {responses:,} responses (no response rows) ...", flush=True)
        seconds = await load_rollup(url, responses, seed)
        print(f"  rollup load took {seconds:.0f} s")
        return await measure("P05")
    print(f"loading {responses:,} responses ...", flush=True)
    seconds = await load(url, responses, seed)
    print(f"  load took {seconds:.0f} s ({responses / seconds:,.0f} responses/s)")
    from survey.rollup.maintain import rebuild

    rows, took = await timed("rollup rebuilt from the rows", rebuild("Asia/Ho_Chi_Minh"))
    print(f"  ({rows:,} answer-pattern rows)")
    return {"rollup rebuild": took, **await measure("P05")}


async def measure_existing(url: str, data_dir: Path) -> dict[str, float]:
    from survey.db.engine import bind, engine_from_settings
    from survey.settings import get_settings

    os.environ.update({"DATABASE_URL": url, "SURVEY_DATA_DIR": str(data_dir), "SURVEY_LOG_FORMAT": "text",
                       "SURVEY_SECRET_KEY": "benchmark-secret-key-" + "x" * 32})
    get_settings.cache_clear()
    bind(engine_from_settings(get_settings()))
    return await measure("P05")


async def create_database(server: str) -> str:
    import asyncpg

    from survey.db.engine import postgres_config

    name = f"survey_bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(**postgres_config(server))
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    config = postgres_config(server)
    return f"postgresql://{config['user']}@{config['host']}:{config['port']}/{name}"


async def drop_database(server: str, url: str) -> None:
    import asyncpg

    from survey.db.engine import postgres_config

    connection = await asyncpg.connect(**postgres_config(server))
    await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=10_000_000, help="responses to synthesize (default 10 million)")
    parser.add_argument("--engine", choices=("sqlite", "postgres", "both", "none"), default="both")
    parser.add_argument("--postgres", default=os.environ.get("SURVEY_TEST_POSTGRES", ""), help="PostgreSQL server URL")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the SQLite file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", type=Path, default=None,
                        help="measure on an SQLite file a previous run kept (--keep), without loading")
    parser.add_argument("--rollup-only", action="store_true",
                        help="synthesize the rollup those responses would give instead of the rows (fast at 100 M)")
    args = parser.parse_args()
    if not 1000 <= args.responses <= (200_000_000 if args.rollup_only else 50_000_000):
        parser.error("--responses must be between 1,000 and 50,000,000 (200,000,000 with --rollup-only)")
    folder = args.dir or Path(tempfile.mkdtemp(prefix="survey-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    if args.reuse:
        results["sqlite"] = asyncio.run(measure_existing(f"sqlite:///{args.reuse.resolve()}", folder))
        args.engine = "none"
    if args.engine in ("sqlite", "both"):
        path = folder / f"bench-{args.responses}.sqlite"
        path.unlink(missing_ok=True)
        print(f"SQLite ({path})")
        results["sqlite"] = asyncio.run(run_engine(f"sqlite:///{path}", args.responses, args.seed, folder,
                                                     args.rollup_only))
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.engine in ("postgres", "both"):
        if not args.postgres:
            parser.error("PostgreSQL needs --postgres URL or SURVEY_TEST_POSTGRES")
        url = asyncio.run(create_database(args.postgres))
        print(f"PostgreSQL ({url})")
        try:
            results["postgres"] = asyncio.run(run_engine(url, args.responses, args.seed, folder, args.rollup_only))
        finally:
            if not args.keep:
                asyncio.run(drop_database(args.postgres, url))
    print(f"\nsummary for {args.responses:,} responses, {PROVINCES} provinces, {COMMUNES:,} communes:")
    for engine, figures in results.items():
        for label, seconds in figures.items():
            print(f"  {engine:<9} {label:<34} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
