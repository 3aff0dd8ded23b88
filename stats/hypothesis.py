"""Design-based tests for researchers, as R's ``survey``: :func:`ttest` (``svyttest``) and :func:`chisq`
(``svychisq``, Rao-Scott).

Each returns a :class:`TestResult` with the statistic, its degrees of freedom and p-value, and, where
there is one, the estimate with its standard error and 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from stats.linearization import LinearizationBasis
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
        return np.asarray(np.isnan(labels), bool)
    if labels.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in labels.tolist()], bool)
    return np.zeros(len(labels), bool)


def ttest(design: "Design", y: ArrayLike, group: ArrayLike | None = None, level: float = 0.95) -> TestResult:
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


def _levels(labels: ArrayLike, name: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    array = np.asarray(labels)
    check_lengths(n, {name: array})
    missing = _missing(array)
    levels, codes = np.unique(array[~missing], return_inverse=True)
    if len(levels) < 2:
        raise ValueError(f"{name} must take at least two values, got {levels.tolist()}")
    full = np.zeros(n, np.int64)
    full[~missing] = codes
    return levels, full, missing


def chisq(design: "Design", rows: ArrayLike, columns: ArrayLike) -> TestResult:
    """R ``svychisq(~rows + columns, design)``: Pearson's X² of the weighted table, Rao-Scott adjusted.

    With ``p`` the design-based cell shares (rows where either variable is missing are left out, R's
    ``na.rm``), ``V`` their covariance and ``C`` the interaction contrasts of the table, the design effect
    matrix is ``Δ = (C'D⁻¹C/N)⁻¹ C'D⁻¹VD⁻¹C``; ``F = X²/tr Δ`` on ``d = (tr Δ)²/tr Δ²`` and ``d·ν``
    degrees of freedom, ``ν`` the design's clusters minus strata and ``N`` its rows, as R (whose default
    statistic this is). Linearization designs only.
    """
    n = design.n_rows
    row_levels, row_code, row_missing = _levels(rows, "rows", n)
    col_levels, col_code, col_missing = _levels(columns, "columns", n)
    nr, nc = len(row_levels), len(col_levels)
    answered = ~(row_missing | col_missing)
    cell = row_code + nr * col_code  # rows vary fastest, as R's interaction()
    names = [f"cell{k}" for k in range(nr * nc)]
    items = {name: np.where(answered, (cell == k).astype(float), np.nan) for k, name in enumerate(names)}
    estimator = design.by(None).estimator(items)
    tables = [estimator.proportion(name) for name in names]
    bases = [t.basis for t in tables if isinstance(t.basis, LinearizationBasis)]
    if len(bases) != len(tables):
        raise ValueError("chisq needs a linearization design (variance='linearization')")
    p = np.array([t.values[0] for t in tables])
    v = LinearizationBasis.stacked(bases).covariance()
    table = p.reshape(nc, nr).T  # rows × columns
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(n * np.nansum(np.square(table - expected) / expected))
    grid_rows, grid_cols = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    main = np.column_stack([np.ones(nr * nc)] + [grid_rows == i for i in range(1, nr)]
                           + [grid_cols == j for j in range(1, nc)]).astype(float)
    interaction = np.column_stack([(grid_rows == i) & (grid_cols == j)
                                   for j in range(1, nc) for i in range(1, nr)]).astype(float)
    contrasts = interaction - main @ np.linalg.lstsq(main, interaction, rcond=None)[0]
    inverse_p = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    weighted = contrasts * inverse_p[:, None]
    delta = np.linalg.solve(contrasts.T @ weighted / n, weighted.T @ v @ weighted)
    trace = float(np.trace(delta))
    d0 = trace * trace / float(np.trace(delta @ delta))
    spec = design._spec
    nu = len(spec.cluster_stratum) - len(spec.labels)
    statistic = pearson / trace
    return TestResult("Pearson's X² with Rao-Scott adjustment (F)", statistic, d0,
                      float(sps.f.sf(statistic, d0, d0 * nu)), groups=(tuple(row_levels.tolist()),
                                                                        tuple(col_levels.tolist())), ddf=d0 * nu)
