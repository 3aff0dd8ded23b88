"""Export throughput and peak memory on a synthetic SQLite database.

    python benchmarks/export_bench.py --rows 10000000            # build (once) and export CSV and Parquet
    python benchmarks/export_bench.py --rows 200000 --formats csv

The database is synthesised directly with ``executemany`` (34 provinces, 2,000 service centres with two
counters each, 12 months, 200 procedures in 20 fields chosen with Zipf-like frequencies, 80% QR / 15% web /
5% kiosk, dossier volumes for every centre and month) into ``--db`` and reused when it
already holds the requested number of rows. Each export runs in a child process so its peak resident
memory (``ru_maxrss``) is its own. Prints rows per second and peak memory per format.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import instruments

PROVINCES, CENTRES, COUNTERS_PER_CENTRE, FIELDS = 34, 2000, 2, 20
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
CHUNK = 200_000
PROCEDURE_SHARE = 1 / np.arange(1, 201) / np.sum(1 / np.arange(1, 201))


def _migrate(db: Path) -> None:
    from survey.db.engine import bind, sqlite_engine
    from survey.db.migrate import upgrade

    bind(sqlite_engine(str(db), 5.0))
    asyncio.run(upgrade())


def _reference_data(connection: sqlite3.Connection) -> tuple[list[int], dict[int, int]]:
    """Units, counters, procedures and volumes; returns counter ids and each counter's centre."""
    connection.execute("INSERT INTO unit (id, code, name, level, parent, path, active, created_at) "
                       "VALUES (1, 'VN', 'Việt Nam', 'country', NULL, '/1/', 1, '2026-01-01')")
    units = []
    for p in range(PROVINCES):
        units.append((2 + p, f"P{p:02d}", f"Tỉnh {p}", "province", 1, f"/1/{2 + p}/"))
    centre_of_counter, counters = {}, []
    for c in range(CENTRES):
        province = 2 + c % PROVINCES
        unit_id = 100 + c
        units.append((unit_id, f"P{province - 2:02d}-C{c:04d}", f"Trung tâm {c}", "centre", province,
                      f"/1/{province}/{unit_id}/"))
        for q in range(COUNTERS_PER_CENTRE):
            counter_id = 1 + c * COUNTERS_PER_CENTRE + q
            counters.append((counter_id, unit_id, f"C{c:04d}-Q{q}", f"Quầy {q}", "sipas_qr", 1, "2026-01-01"))
            centre_of_counter[counter_id] = unit_id
    connection.executemany("INSERT INTO unit (id, code, name, level, parent, path, active, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, 1, '2026-01-01')", units)
    connection.executemany("INSERT INTO counter (id, unit, code, name, instrument_key, active, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", counters)
    connection.executemany("INSERT INTO procedure (id, code, name, field, active) VALUES (?, ?, ?, ?, 1)",
                           [(i + 1, f"TT{i:03d}", f"Thủ tục {i}", f"Lĩnh vực {i % FIELDS}") for i in range(200)])
    connection.executemany("INSERT INTO dossier_volume (unit, period, dossiers) VALUES (?, ?, ?)",
                           [(100 + c, month, 5000) for c in range(CENTRES) for month in MONTHS])
    return [row[0] for row in counters], centre_of_counter


def build(db: Path, rows: int) -> None:
    db.unlink(missing_ok=True)
    _migrate(db)
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA synchronous = OFF")
    # Loading first and indexing afterwards is several times faster than keeping the indexes up to date.
    indexes = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'response' "
                                 "AND sql IS NOT NULL").fetchall()
    for name, _sql in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    counter_ids, centre_of = _reference_data(connection)
    province_of = {unit: 2 + (unit - 100) % PROVINCES for unit in set(centre_of.values())}
    rng = np.random.default_rng(7)
    sql = ("INSERT INTO response (id, instrument_key, instrument_version, counter, unit, stratum, procedure, channel, "
           "received_at, period, status, nonce, device_hash, e1, e2, e3, e4, e5, overall, index_fingerprint) "
           "VALUES (?, 'sipas_qr', 1, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, '', ?, ?, ?, ?, ?, ?, "
           f"'{instruments.get('sipas_qr', 1).index.fingerprint}')")
    started = time.perf_counter()
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        counter = rng.choice(counter_ids, n)
        month = rng.integers(0, len(MONTHS), n)
        # Citizens come for a few common procedures far more often than for the rest, mostly by QR code.
        procedure = rng.choice(np.arange(1, 201), n, p=PROCEDURE_SHARE)
        channel = rng.choice(["qr", "web", "kiosk"], n, p=[0.8, 0.15, 0.05])
        ratings = rng.choice([1, 2, 3, 4, 5], (n, 6), p=[0.03, 0.05, 0.12, 0.45, 0.35])
        counters = counter.tolist()
        units = [centre_of[c] for c in counters]
        months = [MONTHS[m] for m in month.tolist()]
        batch = list(zip(range(start + 1, start + n + 1), counters, units, [province_of[u] for u in units],
                         procedure.tolist(), channel.tolist(), [f"{m}-15 09:00:00+00:00" for m in months], months,
                         [f"n{i}" for i in range(start, start + n)], *ratings.T.tolist()))
        connection.executemany(sql, batch)
        connection.commit()
        print(f"\rsynthesised {start + n:,} rows ({(start + n) / (time.perf_counter() - started):,.0f}/s)",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for _name, sql in indexes:
        connection.execute(sql)
    connection.execute("ANALYZE")
    connection.close()


def export_once(db: Path, file_format: str, out: Path) -> dict[str, object]:
    """Runs in the child process: one export, timed."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SURVEY_SECRET_KEY", "benchmark-secret-key-" + "x" * 32)
    from survey.db.runner import run_with_database
    from survey.exports.services import ExportRequest, run_export
    from survey.settings import get_settings

    request = ExportRequest(scope="VN", period="2026", format=file_format)
    phases: dict[str, float] = {}

    def progress(done: int, total: int) -> None:
        # The first pass reports a total of 0; the first report of the second pass ends reading and planning.
        phases.setdefault("write" if total else "read", time.perf_counter())

    started, cpu_started = time.perf_counter(), time.process_time()
    result = run_with_database(lambda: run_export(request, out, actor="benchmark", progress=progress), get_settings(),
                               migrate=False)
    seconds = time.perf_counter() - started
    # The export reads SQLite in a process of its own: its CPU and memory count too.
    own, reader = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu_started + reader.ru_utime + reader.ru_stime
    size = sum(path.stat().st_size for path in result.files)
    return {"format": file_format, "rows": result.rows, "cells": result.disclosure["risk_before"]["classes"], "seconds": round(seconds, 2),
            "rows_per_second": round(result.rows / seconds), "cpu_seconds": round(cpu, 2),
            # On a shared machine wall time depends on the neighbours; rows per CPU second does not.
            "rows_per_cpu_second": round(result.rows / cpu), "bytes": size,
            "seconds_to_first_write": round(phases["write"] - started, 2),
            "peak_rss_mb": round(own.ru_maxrss / 1024, 1), "reader_peak_rss_mb": round(reader.ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "export_bench.sqlite"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = Path(args.db)
    if args.child:
        with tempfile.TemporaryDirectory() as out:
            print(json.dumps(export_once(db, args.child, Path(out) / "export")))
        return
    if args.rows <= 0:
        parser.error("--rows must be positive")
    have = sqlite3.connect(db).execute("SELECT COUNT(*) FROM response").fetchone()[0] if db.exists() else -1
    if have != args.rows:
        build(db, args.rows)
    for file_format in args.formats.split(","):
        child = subprocess.run([sys.executable, __file__, "--db", str(db), "--child", file_format],
                               capture_output=True, text=True, check=True, env={**os.environ, "SURVEY_DATA_DIR": tempfile.gettempdir()})
        print(child.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
