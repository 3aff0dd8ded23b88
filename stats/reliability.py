"""Internal consistency of an instrument's items: Cronbach's alpha and item-total correlations.

Missing answers are handled by listwise deletion: a respondent who left any of the items
unanswered is left out of every figure, so that all figures come from one covariance matrix
(pairwise deletion can give a matrix that is not positive semi-definite and an alpha outside
its range). The result says how many respondents were used and how many were dropped.

With weights, the covariance matrix is the weighted one. Alpha and the correlations are ratios
of variances, so the divisor of the covariance (Σw, Σw − 1, ...) cancels and any positive
weights give the same figures as replicating each row in proportion to its weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReliabilityResult:
    items: tuple[str, ...]
    alpha: float
    standardized_alpha: float
    item_total_correlation: dict[str, float]
    alpha_if_deleted: dict[str, float]
    n_used: int
    n_dropped: int


def _alpha(k: int | np.ndarray, item_variance_sum: np.ndarray, total_variance: np.ndarray) -> np.ndarray:
    return k / (k - 1) * (1 - item_variance_sum / total_variance)


def cronbach_alpha(
    answers: np.ndarray, items: tuple[str, ...] | list[str] | None = None, weights: np.ndarray | None = None
) -> ReliabilityResult:
    """Alpha of the columns of ``answers`` (respondents × items, NaN for not answered)."""
    x = np.asarray(answers, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"answers must be a respondents × items matrix, got {x.ndim} dimension(s)")
    k = x.shape[1]
    if k < 3:
        # Alpha if an item is deleted needs two items left.
        raise ValueError(f"reliability needs at least 3 items, got {k}")
    names = tuple(items) if items is not None else tuple(f"item{j + 1}" for j in range(k))
    if len(names) != k:
        raise ValueError(f"{len(names)} item names for {k} answer columns")
    w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (x.shape[0],):
        raise ValueError(f"weights has shape {w.shape} but answers has {x.shape[0]} rows")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    complete = ~np.isnan(x).any(axis=1) & (w > 0)
    if complete.sum() < 2:
        raise ValueError(f"fewer than 2 respondents answered all {k} items")
    x, w = x[complete], w[complete]
    centred = x - (w @ x) / w.sum()
    cov = (centred * w[:, None]).T @ centred / w.sum()
    variances = np.diag(cov)
    if np.any(variances <= 0):
        constant = [names[j] for j in np.flatnonzero(variances <= 0)]
        raise ValueError(f"items without variance among complete answers: {constant}")

    row_sums = cov.sum(axis=1)
    total_variance = cov.sum()
    rest_variance = total_variance - 2 * row_sums + variances
    item_rest_cov = row_sums - variances
    item_total = item_rest_cov / np.sqrt(variances * rest_variance)
    if_deleted = _alpha(k - 1, variances.sum() - variances, rest_variance)
    corr = cov / np.sqrt(np.outer(variances, variances))
    return ReliabilityResult(
        items=names,
        alpha=float(_alpha(k, variances.sum(), total_variance)),
        standardized_alpha=float(_alpha(k, k, corr.sum())),
        item_total_correlation=dict(zip(names, item_total.tolist())),
        alpha_if_deleted=dict(zip(names, if_deleted.tolist())),
        n_used=int(complete.sum()),
        n_dropped=int((~complete).sum()),
    )
