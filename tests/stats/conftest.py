"""Data and R reference results for the tests of the estimation engine (read from tests/stats/fixtures)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REL = 1e-6   # relative tolerance on values and standard errors
ABS = 1e-6   # absolute tolerance on interval bounds
# R's delta method leaves ~1e-8 of rounding where a domain lies in one cluster and the true SE is 0.
SE_FLOOR = 1e-7


def _number(text: str) -> float:
    return np.nan if text in ("", "NA") else float(text)


@cache
def table(name: str) -> dict[str, np.ndarray]:
    """A fixture CSV as columns; numeric columns become float arrays with NaN for missing."""
    with open(FIXTURES / name, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for key in rows[0]:
        values = [row[key] for row in rows]
        try:
            columns[key] = np.array([_number(v) for v in values])
        except ValueError:
            columns[key] = np.array(values)
    return columns


@cache
def r_results() -> dict[tuple[str, str], dict[str, float]]:
    with open(FIXTURES / "r_results.csv", newline="") as handle:
        return {(row["case"], row["label"]): {k: (_number(v) if k not in ("case", "label") else v) for k, v in row.items()}
                for row in csv.DictReader(handle)}


def r_case(case: str, label: str = "") -> dict[str, float]:
    return r_results()[(case, label)]


def r_labels(case: str) -> list[str]:
    return [label for (c, label) in r_results() if c == case]


def population(name: str, key: str) -> dict[str, float]:
    t = table(name)
    return dict(zip(t[key].tolist(), t["Freq"].tolist()))


def assert_close(actual: float, expected: float, what: str, rel: float = REL, abs: float = 1e-12) -> None:
    assert actual == pytest.approx(expected, rel=rel, abs=abs), f"{what}: {actual!r} != R {expected!r}"


def assert_bounds(actual: tuple[float, float], expected_low: float, expected_high: float, what: str) -> None:
    assert actual[0] == pytest.approx(expected_low, abs=ABS), f"{what} lower: {actual[0]!r} != R {expected_low!r}"
    assert actual[1] == pytest.approx(expected_high, abs=ABS), f"{what} upper: {actual[1]!r} != R {expected_high!r}"
