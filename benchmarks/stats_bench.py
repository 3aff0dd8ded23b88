"""Speed of the estimation engine on a national-scale survey, beside a numpy floor, samplics and R.

Synthetic data: 34 provinces (strata), 10,000 counters (clusters), 3,321 communes (domains, counters nested
in communes), five 0/1 element items with item non-response. Timed: element proportions by commune with
Korn-Graubard intervals and the composite index by commune. Prints figures; not a test.

    python benchmarks/stats_bench.py                      # 10 million rows, about 3-5 minutes
    python benchmarks/stats_bench.py --rows 1000000 --samplics-rows 20000 --r-seconds 30
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from stats import Design

STRATA, COUNTERS, COMMUNES, ELEMENTS = 34, 10_000, 3_321, 5


def synthetic(rows: int, seed: int = 20261121) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    commune_province = rng.integers(0, STRATA, COMMUNES)
    counter_commune = np.concatenate([np.arange(COMMUNES), rng.integers(0, COMMUNES, COUNTERS - COMMUNES)])
    quality = rng.normal(1.6, 0.5, COUNTERS)
    counter = rng.integers(0, COUNTERS, rows).astype(np.int32)
    commune = counter_commune[counter].astype(np.int32)
    data = {"weight": rng.gamma(2.0, 50.0, rows), "province": commune_province[commune].astype(np.int32),
            "counter": counter, "commune": commune}
    for e in range(ELEMENTS):
        satisfied = (rng.normal(quality[counter], 1.0) > 0).astype(float)
        satisfied[rng.random(rows) < 0.05 + 0.01 * e] = np.nan
        data[f"e{e + 1}"] = satisfied
    return data


def median_time(function: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(function: Callable[[], object]) -> int:
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def items_of(data: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [data[f"e{e + 1}"] for e in range(ELEMENTS)]


def engine_api(design: Design, data: dict[str, np.ndarray]) -> None:
    """The public calls one by one: each proportion and the composite from the rows."""
    by = design.by(data["commune"])
    for y in items_of(data):
        by.proportion(y).ci()
    by.composite(items_of(data)).ci()


def engine_report(design: Design, data: dict[str, np.ndarray]) -> None:
    """The report path: the totals of the five items once, then every table from them."""
    names = [f"e{e + 1}" for e in range(ELEMENTS)]
    estimator = design.by(data["commune"]).estimator(dict(zip(names, items_of(data))))
    for name in names:
        estimator.proportion(name).ci()
    estimator.composite(names).ci()


def numpy_floor_point_estimates(data: dict[str, np.ndarray]) -> None:
    """Shares by commune without variance: two weighted bincounts per item."""
    w, commune = data["weight"], data["commune"]
    for y in items_of(data):
        answered = ~np.isnan(y)
        np.bincount(commune, weights=np.where(y == 1.0, w, 0.0)) / np.bincount(commune, weights=w * answered)


def one_item_engine(data: dict[str, np.ndarray]) -> None:
    Design(data["weight"], data["province"], data["counter"]).by(data["commune"]).proportion(data["e1"]).ci()


def samplics_one_item(data: dict[str, np.ndarray]) -> dict:
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # samplics divides by the estimate for its coefficient of variation, so a commune at 0% would
        # fail: it gets 1 + y (same standard error, estimate shifted by one).
        estimator = TaylorEstimator(PopParam.mean)
        estimator.estimate(y=1.0 + data["e1"], samp_weight=data["weight"], stratum=data["province"],
                           psu=data["counter"], domain=data["commune"], remove_nan=True)
    return estimator.stderror


R_SCRIPT = """suppressMessages(library(survey))
d <- read.csv("{csv}")
design <- svydesign(id = ~counter, strata = ~province, weights = ~weight, data = d, nest = TRUE)
elapsed <- system.time(svyby(~e1, ~commune, design, svyciprop, method = "beta", vartype = c("se", "ci"),
                             na.rm = TRUE))[["elapsed"]]
cat(elapsed, "\\n")
"""


def r_one_item(data: dict[str, np.ndarray], rows: int, folder: Path, limit: float) -> float | None:
    """Seconds R's svyby(svyciprop, beta) takes on the first ``rows`` rows (None if it failed or ran over)."""
    csv = folder / f"rows{rows}.csv"
    columns = ["province", "counter", "commune", "weight", "e1"]
    table = np.column_stack([data[c][:rows] for c in columns])
    np.savetxt(csv, table, delimiter=",", header=",".join(columns), comments="", fmt=["%d", "%d", "%d", "%.17g", "%g"])
    script = folder / "bench.R"
    script.write_text(R_SCRIPT.format(csv=csv))
    try:
        done = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=limit * 3)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samplics-rows", type=int, default=20_000, help="samplics loops over domains in Python")
    parser.add_argument("--r-seconds", type=float, default=60.0, help="largest R run to aim for")
    parser.add_argument("--skip-samplics", action="store_true")
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()

    data = synthetic(args.rows)
    input_bytes = sum(a.nbytes for a in data.values())
    print(f"{args.rows:,} rows, {STRATA} strata, {COUNTERS:,} counters, {COMMUNES:,} communes, {ELEMENTS} items; "
          f"input arrays {input_bytes / 1e6:.0f} MB; medians of {args.repeats}")
    build = median_time(lambda: Design(data["weight"], data["province"], data["counter"]), args.repeats)
    design = Design(data["weight"], data["province"], data["counter"])
    api = median_time(lambda: engine_api(design, data), args.repeats)
    report = median_time(lambda: engine_report(design, data), args.repeats)
    floor_one = median_time(lambda: np.bincount(data["commune"], weights=data["weight"]), args.repeats)
    floor_points = median_time(lambda: numpy_floor_point_estimates(data), args.repeats)
    print(f"Design(...) construction (factorize strata, clusters)      {build:8.3f} s")
    print(f"5 proportions + composite by commune, public calls        {api:8.3f} s")
    print(f"same, report path (item totals once, then the tables)     {report:8.3f} s")
    print(f"numpy floor: one np.bincount pass                         {floor_one:8.3f} s  "
          f"(report path = {report / floor_one:.0f}x)")
    print(f"numpy floor: the 5 shares by commune, no variance         {floor_points:8.3f} s  "
          f"(report path = {report / floor_points:.1f}x)")
    if not args.skip_memory:
        peak = peak_bytes(lambda: engine_report(design, data))
        peak_api = peak_bytes(lambda: engine_api(design, data))
        print(f"peak new memory: report path {peak / 1e6:.0f} MB ({peak / input_bytes:.2f}x input), "
              f"public calls {peak_api / 1e6:.0f} MB ({peak_api / input_bytes:.2f}x input)")

    if not args.skip_samplics:
        small = {k: v[: args.samplics_rows] for k, v in data.items()}
        try:
            start = time.perf_counter()
            samplics_se = samplics_one_item(small)
            samplics_time = time.perf_counter() - start
        except Exception as error:  # report and carry on: samplics is an optional comparison
            print(f"samplics could not run: {error!r}")
        else:
            ours = median_time(lambda: one_item_engine(small), args.repeats)
            # samplics drops unanswered rows before counting clusters per stratum (R keeps the design's
            # count): on the answered rows alone the two must agree.
            answered = {k: v[~np.isnan(small["e1"])] for k, v in small.items()}
            table = Design(answered["weight"], answered["province"], answered["counter"]).by(answered["commune"]) \
                .proportion(answered["e1"])
            labels = set(table.labels.tolist())
            gap = max(abs(table[int(k)].se - float(v)) for k, v in samplics_se.items() if int(k) in labels)
            print(f"samplics and this engine (on samplics' answered rows) agree on every commune's SE to {gap:.1e}")
            print(f"samplics TaylorEstimator mean by commune, {args.samplics_rows:,} rows: {samplics_time:8.2f} s; "
                  f"this engine (design + proportion + interval) {ours:.4f} s: {samplics_time / ours:,.0f}x faster")

    if not args.skip_r:
        with tempfile.TemporaryDirectory() as folder:
            rows, best = 2_000, None
            while rows <= args.rows:
                seconds = r_one_item(data, rows, Path(folder), args.r_seconds)
                if seconds is None:
                    break
                best = (rows, seconds)
                if 2 * seconds > 1.3 * args.r_seconds:  # the next doubling would run well past the aim
                    break
                rows *= 2
            if best is None:
                print("R survey could not run (Rscript missing or failed)")
            else:
                rows, seconds = best
                small = {k: v[:rows] for k, v in data.items()}
                ours = median_time(lambda: one_item_engine(small), args.repeats)
                print(f"R svyby(svyciprop, beta) by commune, {rows:,} rows: {seconds:8.2f} s; "
                      f"this engine {ours:.4f} s: {seconds / ours:,.0f}x faster")


if __name__ == "__main__":
    main()
