"""Design-based tests for researchers, as R's ``survey``: :func:`ttest` (``svyttest``).

Each returns a :class:`TestResult` with the statistic, its degrees of freedom and p-value, and, where
there is one, the estimate with its standard error and 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats as sps

from stats.validation import check_item, check_lengths

if TYPE_CHECKING:
    from stats.design import Design


@dataclass(frozen=True)
class TestResult:
    """A design-based test: ``statistic`` (t or F), its ``df`` (F: ``df`` and ``ddf``) and ``p_value``."""

    __test__ = False  # not a pytest class

    method: str
    statistic: float
    df: float
    p_value: float
    groups: tuple[Any, ...] = ()
    estimate: float = math.nan
    ci: tuple[float, float] = (math.nan, math.nan)
    se: float = math.nan
    ddf: float = math.nan


def _missing(labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in labels.tolist()], bool)
    return np.zeros(len(labels), bool)


def ttest(design: "Design", y, group=None, level: float = 0.95) -> TestResult:
    """R ``svyttest``: without ``group``, a one-sample t-test of ``mean(y) = 0``; with a ``group`` of two
    values, of equal means, the estimate being the second group's mean minus the first's (sorted labels).

    As R, the degrees of freedom are the design's minus one (R's ``degf(design) − 1``; with a group,
    ``svyglm``'s residual df, on the rows that have both ``y`` and ``group``). Rows without ``y`` are left
    out of the mean (``na.rm``).
    """
    n = design.n_rows
    values = check_item(y, n, "y", binary=False)
    if group is None:
        estimate = design.mean(values)
        df = design.degf - 1
        method = "design-based one-sample t-test"
        groups: tuple[Any, ...] = ()
        value, se = estimate.value, estimate.se
    else:
        labels = np.asarray(group)
        check_lengths(n, {"group": labels})
        missing = _missing(labels) | np.isnan(values)
        present = np.unique(labels[~missing])
        if len(present) != 2:
            raise ValueError(f"group must take exactly two values among answered rows, got {present[:5].tolist()}")
        # Code 2 holds the rows R's svyglm drops (no y or no group), so the degrees of freedom are theirs.
        codes = np.where(missing, 2, (labels == present[1]).astype(np.int64))
        means = design.by(codes).mean(values)
        difference = means.contrast({0: -1.0, 1: 1.0})
        df = difference.df - 1
        method = "design-based t-test"
        groups = tuple(present.tolist())
        value, se = difference.value, difference.se
    statistic = value / se if se > 0 else math.copysign(math.inf, value) if value else math.nan
    p_value = float(2 * sps.t.sf(abs(statistic), df)) if df >= 1 else math.nan
    crit = float(sps.t.ppf(1 - (1 - level) / 2, df)) if df >= 1 else math.nan
    return TestResult(method, float(statistic), float(df), p_value, groups, float(value),
                      (value - crit * se, value + crit * se), float(se))
