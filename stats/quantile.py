"""Quantiles with Woodruff intervals, as R's ``svyquantile`` (survey ≥ 4.1, its defaults).

The quantile of ``p`` is R's ``qrule="math"``: the smallest value whose weighted cumulative share
reaches ``p`` (the lower of two values when the share lands on ``p`` exactly). Its interval is
Woodruff's: the design-based share ``F̂`` of rows at or below the quantile, with its Wald interval on the
design degrees of freedom (``interval.type="mean"``), is turned back into values by the same rule. A bound
whose share falls outside [0, 1] is NaN, as in R; ``se`` is the interval's width over ``2·t(df)``, R's
``SE()`` of the result.

Rows without an answer are left out (R's ``na.rm=TRUE``); rows of weight 0 do not count. Each domain
is a domain of the full design: its share ``F̂`` is a domain proportion, with the domain's degrees of
freedom.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from stats import intervals
from stats.validation import check_item

if TYPE_CHECKING:
    from stats.design import Design


@dataclass(frozen=True)
class QuantileTable:
    """Quantiles per domain (rows, in ``labels`` order) and probability (columns, ``probabilities``)."""

    labels: tuple[Hashable, ...]
    probabilities: tuple[float, ...]
    values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    se: np.ndarray
    df: np.ndarray
    level: float

    def __getitem__(self, key: tuple[Hashable, float]) -> tuple[float, float, float]:
        """``table[label, p]`` is ``(quantile, lower, upper)``."""
        label, p = key
        i, j = self.labels.index(label), self.probabilities.index(p)
        return float(self.values[i, j]), float(self.lower[i, j]), float(self.upper[i, j])


def math_rule(sorted_values: np.ndarray, cumulative: np.ndarray, p: np.ndarray, total: float) -> np.ndarray:
    """R's ``qrule_math`` on values sorted ascending with their cumulative weights, for shares ``p``.

    ``cumulative`` and ``total`` must be summed as R sums them (:func:`cumulative_weights`): with equal
    weights whether the cumulative share lands on ``p`` exactly depends on the last bit.
    """
    n = len(sorted_values)
    # R's position: the last row whose cumulative weight is ≤ p·W, or the first row when there is none
    # (so a share below the first row's gives the second value, as R does).
    position = np.maximum(np.searchsorted(cumulative, p * total, side="right"), 1)
    low = position - 1
    up = np.where(position == n, n - 1, position)
    index = np.where(p - cumulative[low] / total == 0, low, up)
    return sorted_values[index]


def cumulative_weights(w: np.ndarray) -> tuple[np.ndarray, float]:
    """Cumulative sums and total accumulated in extended precision and stored as doubles, as R's
    ``cumsum`` and ``sum`` do (``long double`` accumulators)."""
    extended = np.cumsum(w.astype(np.longdouble))
    return extended.astype(float), float(extended[-1])


def quantile(design: "Design", y: ArrayLike, probabilities: Sequence[float] = (0.5,), domain: ArrayLike | None = None,
             level: float = 0.95) -> QuantileTable:
    """Quantiles of ``y`` (NaN: no answer) for the design or by ``domain``, with Woodruff intervals."""
    probs = tuple(float(p) for p in probabilities)
    if not probs or not all(0 <= p <= 1 for p in probs):
        raise ValueError(f"quantile probabilities must lie in [0, 1], got {probs}")
    n = design.n_rows
    values = check_item(y, n, "y", binary=False)
    codes = np.zeros(n, np.int64) if domain is None else np.unique(np.asarray(domain), return_inverse=True)[1]
    labels: tuple[Hashable, ...] = (None,) if domain is None else tuple(np.unique(np.asarray(domain)).tolist())
    w = design.weights
    usable = ~np.isnan(values) & (w > 0)
    shape = (len(labels), len(probs))
    q = np.full(shape, np.nan)
    for d in range(len(labels)):
        rows = np.flatnonzero(usable & (codes == d))
        if rows.size:
            order = rows[np.argsort(values[rows], kind="stable")]
            cumulative, total = cumulative_weights(w[order])
            q[d] = math_rule(values[order], cumulative, np.array(probs), total)
    low, high, se, df = (np.full(shape, np.nan) for _ in range(4))
    by = design.by(codes)
    alpha = 1 - level
    for j in range(len(probs)):
        at_or_below = np.where(np.isnan(values), np.nan, (values <= q[codes, j]).astype(float))
        share = by.proportion(at_or_below)
        positions = share.labels.astype(np.int64)
        low_p, high_p = intervals.wald(share.values, share.ses, share.dfs, share.ns, level)
        df[positions, j] = share.dfs
        crit = intervals.t_quantile(1 - alpha / 2, share.dfs)
        for k, d in enumerate(positions.tolist()):
            rows = np.flatnonzero(usable & (codes == d))
            order = rows[np.argsort(values[rows], kind="stable")]
            cumulative, total = cumulative_weights(w[order])
            for bound, share_bound in ((low, low_p[k]), (high, high_p[k])):
                if math.isfinite(share_bound) and 0 <= share_bound <= 1:
                    bound[d, j] = math_rule(values[order], cumulative, np.array([share_bound]), total)[0]
            se[d, j] = (high[d, j] - low[d, j]) / (2 * crit[k])
    return QuantileTable(labels, probs, q, low, high, se, df, level)
