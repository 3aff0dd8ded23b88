"""Confidence intervals for design-based estimates, vectorised over domains.

Every function takes arrays (or scalars) of estimates ``p``, standard errors ``se``, design degrees of
freedom ``df`` and domain row counts ``n`` and returns ``(low, high)`` arrays.

Methods and what they match:

``wald``
    ``p ± t(df)·se``; R ``confint(svymean(...), df=df)`` and ``svyciprop(method="mean")``. Not clipped
    to [0, 1], as in R.
``logit`` / ``xlogit``
    ``expit(logit(p) ± t(df)·se/(p(1-p)))``; R ``svyciprop(method="xlogit")``, and ``method="logit"`` up to
    the convergence tolerance of R's ``svyglm`` (about 1e-9).
``beta``
    Korn-Graubard: effective n ``n_eff = p(1-p)/se²`` times ``(t_{α/2}(n-1)/t_{α/2}(df))²``, then
    Clopper-Pearson on ``x = n_eff·p`` successes; R ``svyciprop(method="beta")``. ``n`` is the
    domain's rows of positive weight. (R's ``svyciprop`` on a subset of a post-stratified or raked
    design uses ``nrow()`` of the whole design, since such a subset keeps every row at weight zero;
    the engine keeps the domain's own n, the same with or without calibration.)
``wilson``
    Wilson score interval with the normal quantile on the Korn-Graubard effective n (the same
    df-adjusted ``n_eff`` as ``beta``), as in Dean and Pagano (2015). R has no such method
    (``svyciprop(method="likelihood")`` is a different interval); the tests check it against the formula
    evaluated in R on R's own variance.
``jeffreys``
    Equal-tailed Beta(x + ½, n_eff − x + ½) quantiles with the same df-adjusted ``n_eff`` and
    ``x = n_eff·p``. Like ``wilson``, checked against the formula evaluated in R.

Proportions at exactly 0 or 1 (or with zero variance, or no degrees of freedom) get no interval from R;
:func:`kish_clopper_pearson` is the fallback used for them, on Kish's effective n ``(Σw)²/Σw²``.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

METHODS = ("beta", "logit", "xlogit", "wilson", "jeffreys", "wald")


def _alpha(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level!r}")
    return 1.0 - level


def t_quantile(q: float, df: np.ndarray) -> np.ndarray:
    """Student t quantile; infinite df gives the normal quantile."""
    df = np.asarray(df, dtype=float)
    # Thousands of domains share a few dozen degrees of freedom: evaluate each once.
    unique, inverse = np.unique(df, return_inverse=True)
    infinite = np.isinf(unique)
    quantiles = np.full(unique.shape, stats.norm.ppf(q))
    quantiles[~infinite] = stats.t.ppf(q, unique[~infinite])
    return quantiles[inverse].reshape(df.shape)


def wald(p, se, df, n, level: float = 0.95):
    crit = t_quantile(1.0 - _alpha(level) / 2.0, df)
    return p - crit * se, p + crit * se


def xlogit(p, se, df, n, level: float = 0.95):
    crit = t_quantile(1.0 - _alpha(level) / 2.0, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = special.logit(p)
        half = crit * se / (p * (1.0 - p))
    return special.expit(centre - half), special.expit(centre + half)


def korn_graubard_n(p, se, df, n, level: float = 0.95):
    """Effective sample size ``p(1-p)/se²`` scaled by ``(t_{α/2}(n-1)/t_{α/2}(df))²``."""
    alpha = _alpha(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1.0 - p) / np.square(se)
        factor = np.square(t_quantile(alpha / 2.0, np.asarray(n, dtype=float) - 1.0) / t_quantile(alpha / 2.0, df))
    return n_eff * factor


def clopper_pearson(p, n_eff, level: float = 0.95):
    """Exact binomial interval for ``x = n_eff·p`` successes out of a (possibly fractional) ``n_eff``."""
    alpha = _alpha(level)
    x = n_eff * p
    with np.errstate(invalid="ignore"):
        low = np.where(p <= 0.0, 0.0, stats.beta.ppf(alpha / 2.0, x, n_eff - x + 1.0))
        high = np.where(p >= 1.0, 1.0, stats.beta.ppf(1.0 - alpha / 2.0, x + 1.0, n_eff - x))
    return low, high


def beta(p, se, df, n, level: float = 0.95):
    return clopper_pearson(p, korn_graubard_n(p, se, df, n, level), level)


def wilson(p, se, df, n, level: float = 0.95):
    n_star = korn_graubard_n(p, se, df, n, level)
    z = stats.norm.ppf(1.0 - _alpha(level) / 2.0)
    z2n = z * z / n_star
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * np.sqrt(p * (1.0 - p) / n_star + z2n / (4.0 * n_star)) / (1.0 + z2n)
    return centre - half, centre + half


def jeffreys(p, se, df, n, level: float = 0.95):
    alpha = _alpha(level)
    n_star = korn_graubard_n(p, se, df, n, level)
    x = n_star * p
    return stats.beta.ppf(alpha / 2.0, x + 0.5, n_star - x + 0.5), stats.beta.ppf(1.0 - alpha / 2.0, x + 0.5, n_star - x + 0.5)


_FUNCTIONS = {"beta": beta, "logit": xlogit, "xlogit": xlogit, "wilson": wilson, "jeffreys": jeffreys, "wald": wald}


def interval(method: str, p, se, df, n, level: float = 0.95):
    """Dispatch to the named method; unknown names raise ``ValueError``."""
    try:
        function = _FUNCTIONS[method]
    except KeyError:
        raise ValueError(f"unknown interval method {method!r}; choose one of {', '.join(METHODS)}") from None
    return function(np.asarray(p, float), np.asarray(se, float), np.asarray(df, float), np.asarray(n, float), level)


def kish_clopper_pearson(p, n_kish, level: float = 0.95):
    """Clopper-Pearson on Kish's effective sample size ``(Σw)²/Σw²`` (fallback without a variance)."""
    return clopper_pearson(np.asarray(p, float), np.asarray(n_kish, float), level)
