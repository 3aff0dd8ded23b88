"""stats.cells against R's survey: the report's designs from cell statistics (fixtures/cells/make_cell_fixtures.R)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from stats.cells import CellDesign, PsuRows, pattern_indicators

HERE = Path(__file__).parent / "fixtures" / "cells"
ITEMS = ("e1", "e2", "e3")
WEIGHTS = (0.5, 0.3, 0.2)


def _rows() -> list[dict[str, str]]:
    with open(HERE / "rows.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _results() -> list[dict[str, str]]:
    with open(HERE / "results.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _state(value: str) -> int:
    return 0 if value == "" else 1 + int(float(value))


def respondent_design(rows: list[dict[str, str]]) -> tuple[CellDesign, dict[str, np.ndarray]]:
    """Pattern counts per cell, as the report's GROUP BY returns them."""
    groups: dict[tuple[str, int], int] = {}
    for r in rows:
        code = sum(_state(r[item]) * 3**j for j, item in enumerate(ITEMS))
        groups[(r["cell"], code)] = groups.get((r["cell"], code), 0) + 1
    first = {r["cell"]: r for r in reversed(rows)}
    cells = sorted(first)
    index = {c: i for i, c in enumerate(cells)}
    keys = sorted(groups)
    answered, satisfied = pattern_indicators(np.array([code for _, code in keys]), len(ITEMS))
    n = {c: int(first[c]["n"]) for c in cells}
    big_n = {c: float(first[c]["N"]) for c in cells}
    psu = PsuRows(
        stratum=np.array([index[c] for c, _ in keys]), weight=np.array([big_n[c] / n[c] for c, _ in keys]),
        multiplicity=np.array([groups[k] for k in keys], float), answered=answered, satisfied=satisfied,
        responses=np.ones(len(keys)), items=ITEMS, fpc_factor=np.array([1 - n[c] / big_n[c] for c in cells]))
    return CellDesign(psu), _labels(first, [c for c, _ in keys])


def counter_day_design(rows: list[dict[str, str]]) -> tuple[CellDesign, dict[str, np.ndarray]]:
    """Answered and satisfied counts per counter-day."""
    days = sorted({r["counter_day"] for r in rows})
    at = {d: i for i, d in enumerate(days)}
    answered = np.zeros((len(days), len(ITEMS)))
    satisfied = np.zeros((len(days), len(ITEMS)))
    responses = np.zeros(len(days))
    cell_of: dict[str, str] = {}
    for r in rows:
        i = at[r["counter_day"]]
        cell_of[r["counter_day"]] = r["cell"]
        responses[i] += 1
        for j, item in enumerate(ITEMS):
            if r[item] != "":
                answered[i, j] += 1
                satisfied[i, j] += float(r[item])
    first = {r["cell"]: r for r in reversed(rows)}
    cells = sorted(first)
    index = {c: i for i, c in enumerate(cells)}
    fraction = {c: int(first[c]["n"]) / float(first[c]["N"]) for c in cells}
    psu = PsuRows(
        stratum=np.array([index[cell_of[d]] for d in days]),
        weight=np.array([1 / fraction[cell_of[d]] for d in days]), multiplicity=np.ones(len(days)),
        answered=answered, satisfied=satisfied, responses=responses, items=ITEMS,
        fpc_factor=np.array([1 - fraction[c] for c in cells]), psu="group")
    return CellDesign(psu), _labels(first, [cell_of[d] for d in days])


def _labels(first: dict[str, dict[str, str]], cell_per_row: list[str]) -> dict[str, np.ndarray]:
    return {
        "unit": np.array([first[c]["unit"] for c in cell_per_row], dtype=object),
        "commune": np.array([first[c]["commune"] for c in cell_per_row], dtype=object),
        "month": np.array([first[c]["month"] for c in cell_per_row], dtype=object),
        "all": np.array(["all"] * len(cell_per_row), dtype=object),
    }


BUILDERS = {"cell": respondent_design, "counter_day": counter_day_design}
CASES = [r for r in _results() if r["by"] != "contrast"]


@pytest.fixture(scope="module")
def designs():
    rows = _rows()
    return {name: build(rows) for name, build in BUILDERS.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda r: f"{r['design']}-{r['by']}-{r['label']}-{r['estimate']}")
def test_domain_estimates_equal_r(designs, case):
    design, labels = designs[case["design"]]
    estimator = design.by(labels[case["by"]])
    if case["estimate"] == "composite":
        table = estimator.composite(list(ITEMS), list(WEIGHTS))
    else:
        table = estimator.proportion(case["estimate"])
    estimate = table[case["label"]]
    assert estimate.value == pytest.approx(float(case["value"]), rel=1e-9)
    assert estimate.se == pytest.approx(float(case["se"]), rel=1e-7)
    assert estimate.df == float(case["df"])
    if case["design"] == "cell" or case["estimate"] == "composite":
        assert estimate.n == int(case["n"])
    if case["ci_low"] != "NA":
        low, high = estimate.ci(0.95, "beta")
        assert low == pytest.approx(float(case["ci_low"]), rel=1e-6)
        assert high == pytest.approx(float(case["ci_high"]), rel=1e-6)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_contrast_between_months_equals_r(designs, name):
    case = next(r for r in _results() if r["by"] == "contrast" and r["design"] == name)
    design, labels = designs[name]
    table = design.by(labels["month"]).proportion("e1")
    difference = table.contrast({"2026-07": 1.0, "2026-08": -1.0})
    assert difference.value == pytest.approx(float(case["value"]), rel=1e-9)
    assert difference.se == pytest.approx(float(case["se"]), rel=1e-7)


def test_a_domain_and_the_whole_share_their_strata(designs):
    """A unit inside 'all' covaries with it: the contrast's variance is not the sum of the two."""
    design, labels = designs["cell"]
    mixed = np.where(labels["unit"] == "U2", "U2", "rest").astype(object)
    table = design.by(mixed).proportion("e1")
    difference = table.contrast({"U2": 1.0, "rest": -1.0})
    # Disjoint strata: the variance of the difference is the sum of the variances.
    assert difference.se ** 2 == pytest.approx(table["U2"].se ** 2 + table["rest"].se ** 2, rel=1e-12)


def test_a_sample_as_large_as_its_cell_has_no_sampling_error():
    answered, satisfied = pattern_indicators(np.array([2, 1]), 1)
    rows = PsuRows(np.array([0, 0]), np.array([1.0, 1.0]), np.array([30.0, 10.0]), answered, satisfied,
                   np.ones(2), ("e1",), np.array([0.0]))
    estimate = CellDesign(rows).by(np.array(["u", "u"], dtype=object)).proportion("e1")["u"]
    assert estimate.value == 0.75
    assert estimate.se == 0.0


def test_pattern_codes_decode_and_refuse_out_of_range():
    answered, satisfied = pattern_indicators(np.array([0, 1, 2, 2 + 3 * 1 + 9 * 0]), 3)
    assert answered.tolist() == [[0, 0, 0], [1, 0, 0], [1, 0, 0], [1, 1, 0]]
    assert satisfied.tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match="answer-pattern"):
        pattern_indicators(np.array([27]), 3)
