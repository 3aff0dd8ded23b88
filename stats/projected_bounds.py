"""One-sided bounds of a proportion computed from an estimate and an effective sample size.

These are the interval formulas written for whole arrays of domains at once, with the estimate
and the effective sample size as the only inputs. The target module uses them to project how a
bound moves when more responses arrive; the design-based intervals themselves come from
``Estimate.ci``.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

PROJECTION_METHODS = ("beta", "jeffreys", "wilson", "logit", "xlogit", "wald")


def check_method(method: str) -> None:
    if method not in PROJECTION_METHODS:
        raise ValueError(f"unknown interval method {method!r}; expected one of {PROJECTION_METHODS}")


def one_sided_bounds(
    p: np.ndarray, n_eff: np.ndarray, one_sided_level: float = 0.95, method: str = "beta"
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper one-sided bounds at ``one_sided_level`` for estimates ``p`` on ``n_eff``.

    ``beta`` is Clopper-Pearson on the effective counts ``n_eff·p`` (the Korn-Graubard interval
    with the degrees-of-freedom factor at 1, its large-sample limit). ``xlogit`` equals ``logit``
    here because the projection has no finite degrees of freedom. Estimates of exactly 0 or 1
    get Clopper-Pearson bounds whatever the method.
    """
    check_method(method)
    if not 0.5 < one_sided_level < 1:
        raise ValueError(f"one_sided_level must be in (0.5, 1), got {one_sided_level}")
    p = np.asarray(p, dtype=float)
    n_eff = np.asarray(n_eff, dtype=float)
    alpha = 1.0 - one_sided_level
    z = stats.norm.ppf(one_sided_level)
    x = n_eff * p
    with np.errstate(divide="ignore", invalid="ignore"):
        exact_lower = np.where(x > 0, special.betaincinv(x, n_eff - x + 1, alpha), 0.0)
        exact_upper = np.where(x < n_eff, special.betaincinv(x + 1, n_eff - x, 1 - alpha), 1.0)
        if method == "beta":
            return exact_lower, exact_upper
        if method == "jeffreys":
            lower = np.where(x > 0, special.betaincinv(x + 0.5, n_eff - x + 0.5, alpha), 0.0)
            upper = np.where(x < n_eff, special.betaincinv(x + 0.5, n_eff - x + 0.5, 1 - alpha), 1.0)
        elif method == "wilson":
            centre = (p + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
            half = z / (1 + z**2 / n_eff) * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2))
            lower, upper = centre - half, centre + half
        elif method in ("logit", "xlogit"):
            half = z / np.sqrt(n_eff * p * (1 - p))
            centre = special.logit(p)
            lower, upper = special.expit(centre - half), special.expit(centre + half)
        else:
            half = z * np.sqrt(p * (1 - p) / n_eff)
            lower, upper = p - half, p + half
    # At an estimate of exactly 0 or 1 every other method collapses to a point, so the
    # design's rule applies: Clopper-Pearson on the effective n.
    edge = (p <= 0) | (p >= 1)
    return np.where(edge, exact_lower, lower), np.where(edge, exact_upper, upper)
