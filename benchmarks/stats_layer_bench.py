"""Timings of the satisfaction-index layer on arrays the size of the country's communes.

Run: python benchmarks/stats_layer_bench.py   (prints one line per step, best of 3 runs)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from stats.design import Design
from stats.index import satisfaction_index
from stats.reliability import cronbach_alpha
from stats.smallarea import funnel, rank_units, shrink
from stats.target import TargetRule, responses_to_settle, target_report_from_arrays, target_verdicts
from stats.trend import ewma_chart, mann_kendall

COMMUNES = 3321
MONTHS = 24
ROWS = 300_000
SPEC = {
    "elements": [{"key": f"e{j}", "weight": 1.0, "item_codes": [f"e{j}"]} for j in range(1, 6)],
    "overall_item": "overall",
}


def best_of(runs: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(5, 600, COMMUNES).astype(float)
    n_eff = n / rng.uniform(1.0, 2.5, COMMUNES)
    p = np.clip(rng.binomial(np.rint(n_eff).astype(int), rng.beta(17, 2, COMMUNES)) / np.rint(n_eff).clip(1), 0, 1)
    half = 1.645 * np.sqrt(p * (1 - p) / n_eff) + 0.01
    labels = tuple(range(COMMUNES))
    monthly = np.clip(rng.normal(0.9, 0.03, (COMMUNES, MONTHS)), 0, 1)
    monthly_se = np.full((COMMUNES, MONTHS), 0.02)
    answers = rng.integers(1, 6, (200_000, 5)).astype(float)
    answers[rng.random(answers.shape) < 0.05] = np.nan

    steps: list[tuple[str, Callable[[], object]]] = [
        ("responses_to_settle, beta", lambda: responses_to_settle(p, n, n_eff)),
        ("responses_to_settle, wilson", lambda: responses_to_settle(p, n, n_eff, TargetRule(method="wilson"))),
        ("target report (verdicts + settle)", lambda: target_report_from_arrays(labels, p, p - half, p + half, n, n_eff)),
        ("empirical-Bayes shrink (moments)", lambda: shrink(labels, p, n_eff)),
        ("empirical-Bayes shrink (mle)", lambda: shrink(labels, p, n_eff, prior_method="mle")),
        ("rank_units, 1000 draws", lambda: rank_units(shrink(labels, p, n_eff), draws=1000)),
        ("funnel, exact, 95% and 99.8%", lambda: funnel(labels, p, n_eff, p0=0.9)),
        (f"Mann-Kendall, {MONTHS} months each", lambda: mann_kendall(monthly)),
        (f"EWMA chart, {MONTHS} months each", lambda: ewma_chart(monthly, monthly_se, baseline=6)),
        ("Cronbach's alpha, 200,000 × 5", lambda: cronbach_alpha(answers)),
    ]
    commune = rng.integers(0, COMMUNES, ROWS)
    counter = commune * 3 + rng.integers(0, 3, ROWS)
    design = Design(rng.uniform(1, 5, ROWS), strata=commune % 34, clusters=counter)
    items = {code: rng.choice([1.0, 2, 3, 4, 5, np.nan], ROWS, p=[0.02, 0.03, 0.1, 0.4, 0.4, 0.05]) for code in ("e1", "e2", "e3", "e4", "e5", "overall")}
    satisfied = [np.where(np.isnan(items[f"e{j}"]), np.nan, items[f"e{j}"] >= 4) for j in range(1, 6)]
    composite = design.by(commune).composite(satisfied)
    steps += [
        (f"index by commune, {ROWS:,} rows", lambda: satisfaction_index(SPEC, items, design, domain=commune)),
        ("index, whole design", lambda: satisfaction_index(SPEC, items, design)),
        ("target_verdicts on the commune table", lambda: target_verdicts(composite)),
    ]
    print(f"{COMMUNES} communes; best of 3 runs")
    for name, step in steps:
        print(f"{name:40s} {best_of(3, step) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
