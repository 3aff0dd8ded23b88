"""Validity, proven by simulation: the report's 95% intervals cover a known finite-population truth.

A small seeded version of ``benchmarks/coverage.py`` (its page in BENCHMARKS.md has the full study):
respondents are redrawn from one synthetic province and each draw runs the report's SQL and design.
"""

from __future__ import annotations

import pytest

from benchmarks.coverage import simulate, summarise


@pytest.fixture(scope="module")
def study():
    pop, truths, records, _ = simulate(seed=7, draws=60, communes=12)
    return {(r["design"], r["estimate"], r["level"]): r for r in summarise(pop, truths, records)}


@pytest.mark.parametrize("design", ["cell", "counter-day"])
def test_communes_and_centres_are_covered_about_95_percent_of_the_time(study, design):
    rows = [r for (d, _, level), r in study.items() if d == design and level != "province"]
    intervals = sum(r["intervals"] for r in rows)
    covered = sum(r["coverage"] * r["intervals"] for r in rows)
    assert intervals > 1000
    # 95% ± three binomial standard errors of the pooled coverage (about ±1.5 points here).
    assert 0.935 <= covered / intervals <= 0.985


@pytest.mark.parametrize("design", ["cell", "counter-day"])
def test_intervals_are_as_wide_as_the_true_sampling_spread_not_wider(study, design):
    for (d, estimate, level), row in study.items():
        if d != design or level == "province":
            continue
        assert 0.8 <= row["width_median"] <= 1.3, (estimate, level, row)


def test_the_province_is_covered(study):
    for design in ("cell", "counter-day"):
        row = study[(design, "composite", "province")]
        assert row["coverage"] >= 0.85
        assert 0.75 <= row["width_median"] <= 1.3
