"""Small units: empirical-Bayes beta-binomial shrinkage, rankings with uncertainty, funnel limits.

Each unit enters with its design-based estimate p̂ and its effective sample size n_eff, read as
``n_eff·p̂`` satisfied out of ``n_eff`` (both may be fractional). A beta prior Beta(α, β) is fitted
across units, by method of moments (Kleinman 1973, weights n_eff) or by marginal maximum
likelihood, and each unit's posterior is Beta(α + x, β + n_eff − x). A unit with few answers is
pulled towards the common mean; a large unit keeps close to its own estimate.

Funnel limits are drawn around the overall index p₀ as a function of n (the effective n, so that
clustering widens them): ``exact`` uses binomial quantiles interpolated as in Spiegelhalter
(2005, Statistics in Medicine 24:1185), ``normal`` uses p₀ ± z·sqrt(p₀(1−p₀)/n).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special, stats

from stats.estimate_arrays import variance_effective_n

if TYPE_CHECKING:
    from stats.estimate import DomainTable

PRIOR_METHODS = ("moments", "mle")
FUNNEL_METHODS = ("exact", "normal")
DEFAULT_FUNNEL_LEVELS = (0.95, 0.998)
# Below this intra-unit correlation the units are treated as all alike: the prior is then so
# concentrated that every unit sits at the common mean.
MIN_OVERDISPERSION = 1e-6


def _unit_arrays(p: np.ndarray, n_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.atleast_1d(np.asarray(p, dtype=float))
    n_eff = np.atleast_1d(np.asarray(n_eff, dtype=float))
    if p.shape != n_eff.shape or p.ndim != 1:
        raise ValueError(f"p and n_eff must be 1-d of equal length, got {p.shape} and {n_eff.shape}")
    if p.size == 0:
        raise ValueError("no units given")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p must hold finite proportions in [0, 1]; leave out units without an estimate")
    if np.any(~np.isfinite(n_eff)) or np.any(n_eff <= 0):
        raise ValueError("n_eff must be finite and positive for every unit")
    return p, n_eff


@dataclass(frozen=True)
class BetaPrior:
    alpha: float
    beta: float
    method: str
    # 1/(α+β+1): the correlation between two answers from one unit; 0 means the units are alike.
    overdispersion: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def _prior_from_mean_and_rho(mean: float, rho: float, method: str) -> BetaPrior:
    rho = float(np.clip(rho, MIN_OVERDISPERSION, 1 - MIN_OVERDISPERSION))
    size = 1 / rho - 1
    return BetaPrior(alpha=mean * size, beta=(1 - mean) * size, method=method, overdispersion=rho)


def fit_prior(p: np.ndarray, n_eff: np.ndarray, method: str = "moments") -> BetaPrior:
    """Beta prior for the units' true indices from their estimates and effective sizes.

    ``moments``: with μ̂ = Σx/Σn and S = Σ nᵢ(p̂ᵢ − μ̂)², E[S] = μ(1−μ)[ρ(N − Σnᵢ²/N) + (1−ρ)(k−1)],
    solved for ρ = 1/(α+β+1). ``mle``: maximises Σ log B(α+xᵢ, β+nᵢ−xᵢ) − log B(α, β).
    """
    if method not in PRIOR_METHODS:
        raise ValueError(f"unknown prior method {method!r}; expected one of {PRIOR_METHODS}")
    p, n = _unit_arrays(p, n_eff)
    if p.size < 2:
        raise ValueError("fitting a prior needs at least 2 units")
    x = n * p
    total = n.sum()
    mean = x.sum() / total
    if mean <= 0 or mean >= 1:
        raise ValueError(f"every unit's estimate is {mean:g}; a beta prior cannot be fitted")
    k = p.size
    spread = np.sum(n * (p - mean) ** 2) / (mean * (1 - mean))
    rho = (spread - (k - 1)) / (total - np.sum(n**2) / total - (k - 1))
    moments = _prior_from_mean_and_rho(mean, rho, "moments")
    if method == "moments":
        return moments

    def negative_log_likelihood(log_ab: np.ndarray) -> float:
        a, b = np.exp(log_ab)
        return -float(np.sum(special.betaln(a + x, b + n - x)) - k * special.betaln(a, b))

    start = np.log([moments.alpha, moments.beta])
    fit = optimize.minimize(negative_log_likelihood, start, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    a, b = np.exp(fit.x)
    return BetaPrior(alpha=float(a), beta=float(b), method="mle", overdispersion=float(1 / (a + b + 1)))


@dataclass(frozen=True)
class Shrinkage:
    """Posterior per unit, as parallel arrays (position i is ``labels[i]``)."""

    labels: tuple[Hashable, ...]
    prior: BetaPrior
    estimate: np.ndarray
    n_eff: np.ndarray
    posterior_alpha: np.ndarray
    posterior_beta: np.ndarray
    posterior_mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float

    @property
    def weight_on_own_estimate(self) -> np.ndarray:
        """n/(n+α+β): how far each unit keeps its own estimate (1) rather than the mean (0)."""
        return self.n_eff / (self.n_eff + self.prior.alpha + self.prior.beta)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def shrink(
    labels: Sequence[Hashable],
    p: np.ndarray,
    n_eff: np.ndarray,
    prior: BetaPrior | None = None,
    prior_method: str = "moments",
    level: float = 0.95,
) -> Shrinkage:
    """Posterior means and equal-tailed credible intervals per unit."""
    _check_level(level)
    p, n = _unit_arrays(p, n_eff)
    if len(labels) != p.size:
        raise ValueError(f"labels has {len(labels)} entries but p has {p.size}")
    prior = prior or fit_prior(p, n, prior_method)
    a = prior.alpha + n * p
    b = prior.beta + n * (1 - p)
    tail = (1 - level) / 2
    return Shrinkage(
        labels=tuple(labels),
        prior=prior,
        estimate=p,
        n_eff=n,
        posterior_alpha=a,
        posterior_beta=b,
        posterior_mean=a / (a + b),
        lower=special.betaincinv(a, b, tail),
        upper=special.betaincinv(a, b, 1 - tail),
        level=level,
    )


@dataclass(frozen=True)
class Ranking:
    """Ranks by posterior mean (1 = most satisfied) with their uncertainty from posterior draws."""

    labels: tuple[Hashable, ...]
    rank: np.ndarray
    rank_lower: np.ndarray
    rank_upper: np.ndarray
    prob_top: np.ndarray
    prob_bottom: np.ndarray
    fraction: float
    draws: int
    seed: int


def shrink_table(
    table: "DomainTable", prior_method: str = "moments", level: float = 0.95
) -> Shrinkage:
    """:func:`shrink` on a ``Design.by(unit).proportion(y)`` table: each unit's estimate with its
    design-based effective n p(1-p)/se² (Kish's where the estimate is 0 or 1)."""
    n_eff = variance_effective_n(table.values, table.ses, table.n_kish)
    return shrink(tuple(table.labels.tolist()), table.values, n_eff, prior_method=prior_method, level=level)


def rank_units(shrinkage: Shrinkage, fraction: float = 0.1, draws: int = 2000, seed: int = 0, level: float = 0.95) -> Ranking:
    """Rank intervals and the probability of being in the top or bottom ``fraction`` of units.

    Draws a value for every unit from its posterior ``draws`` times, ranks each draw, and reads
    the spread of each unit's rank across draws. The seed makes the figures reproducible.
    """
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction must be in (0, 0.5], got {fraction}")
    if draws < 100:
        raise ValueError(f"draws must be at least 100, got {draws}")
    _check_level(level)
    k = len(shrinkage.labels)
    rng = np.random.default_rng(seed)
    sample = rng.beta(shrinkage.posterior_alpha, shrinkage.posterior_beta, size=(draws, k))
    ranks = np.empty((draws, k), dtype=np.int32)
    order = np.argsort(-sample, axis=1)
    np.put_along_axis(ranks, order, np.arange(1, k + 1, dtype=np.int32)[None, :], axis=1)
    cut = max(1, int(np.ceil(fraction * k)))
    tail = (1 - level) / 2
    point_rank = np.empty(k, dtype=np.int64)
    point_rank[np.argsort(-shrinkage.posterior_mean, kind="stable")] = np.arange(1, k + 1)
    return Ranking(
        labels=shrinkage.labels,
        rank=point_rank,
        rank_lower=np.quantile(ranks, tail, axis=0, method="inverted_cdf").astype(np.int64),
        rank_upper=np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf").astype(np.int64),
        prob_top=(ranks <= cut).mean(axis=0),
        prob_bottom=(ranks > k - cut).mean(axis=0),
        fraction=fraction,
        draws=draws,
        seed=seed,
    )


def funnel_limits(
    p0: float, n: np.ndarray, level: float = 0.95, method: str = "exact"
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper two-sided control limits at ``level`` around ``p0`` for sample sizes ``n``."""
    if not 0 < p0 < 1:
        raise ValueError(f"p0 must be in (0, 1), got {p0}")
    _check_level(level)
    if method not in FUNNEL_METHODS:
        raise ValueError(f"unknown funnel method {method!r}; expected one of {FUNNEL_METHODS}")
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if n.size == 0 or np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise ValueError("n must be a non-empty array of positive sizes")
    tail = (1 - level) / 2
    if method == "normal":
        half = stats.norm.ppf(1 - tail) * np.sqrt(p0 * (1 - p0) / n)
        return p0 - half, p0 + half
    # Effective sizes are fractional; the binomial quantile is taken on the rounded size.
    size = np.maximum(np.rint(n), 1)
    return _interpolated_quantile(size, p0, tail) / size, _interpolated_quantile(size, p0, 1 - tail) / size


def _interpolated_quantile(size: np.ndarray, p0: float, q: float) -> np.ndarray:
    # Spiegelhalter's smoothing of the discrete quantile r: r − (F(r) − q)/(F(r) − F(r−1)).
    r = stats.binom.ppf(q, size, p0)
    at_r = stats.binom.cdf(r, size, p0)
    below_r = stats.binom.cdf(r - 1, size, p0)
    return r - (at_r - q) / (at_r - below_r)


@dataclass(frozen=True)
class FunnelPoint:
    labels: tuple[Hashable, ...]
    p0: float
    estimate: np.ndarray
    n_eff: np.ndarray
    levels: tuple[float, ...]
    lower: np.ndarray  # levels × units
    upper: np.ndarray
    # Per unit: the widest level whose limits the estimate falls outside, signed
    # ("below 0.998", "above 0.95") or "within".
    position: np.ndarray


def funnel(
    labels: Sequence[Hashable],
    p: np.ndarray,
    n_eff: np.ndarray,
    p0: float,
    levels: Sequence[float] = DEFAULT_FUNNEL_LEVELS,
    method: str = "exact",
) -> FunnelPoint:
    """Where each unit sits against the funnel limits around the overall index ``p0``."""
    p, n = _unit_arrays(p, n_eff)
    if len(labels) != p.size:
        raise ValueError(f"labels has {len(labels)} entries but p has {p.size}")
    if not levels:
        raise ValueError("levels is empty")
    levels = tuple(sorted(levels))
    bounds = [funnel_limits(p0, n, level, method) for level in levels]
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])
    position = np.full(p.size, "within", dtype=object)
    for level, lo, hi in zip(levels, lower, upper):  # ascending, so the widest breach wins
        position[p < lo] = f"below {level:g}"
        position[p > hi] = f"above {level:g}"
    return FunnelPoint(
        labels=tuple(labels), p0=p0, estimate=p, n_eff=n, levels=levels, lower=lower, upper=upper, position=position
    )
