"""Indices over time: per-period series, change between periods, trend tests, EWMA control chart.

Change and linear trend are design-based contrasts of the period domains of one design
(``Design.by(period)``), so counters that answer in several periods enter the covariance of the
period estimates; treating periods as independent would misstate the standard error.

The linear trend is the ordinary least-squares slope of the period indices on time written as a
contrast, Σ cₜ·Iₜ with cₜ = (tₜ − t̄)/Σ(tₛ − t̄)²; its standard error comes from the design through
the contrast (so the covariance between periods is included), and its test uses the contrast's
design degrees of freedom. Weighted least squares with the per-period variances would ignore
that covariance, so it is not used.

Mann-Kendall is the rank test for a monotone trend in a short series (no design: one index per
period), with the tie-corrected variance and continuity correction, normal approximation.

The EWMA chart follows zₜ = λxₜ + (1−λ)zₜ₋₁ from z₀ = μ₀, the in-control mean. With per-period
standard errors σₜ of independent period estimates, Var(zₜ) = (1−λ)²Var(zₜ₋₁) + λ²σₜ², and the
limits are μ₀ ± L·sqrt(Var(zₜ)). An alarm is raised when zₜ falls below the lower limit. A period
without an estimate (NaN) leaves z and its variance unchanged.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from stats.estimate_arrays import EstimateArrays, EstimateLike, domain_items, estimate_arrays

if TYPE_CHECKING:
    from stats.estimate import DomainTable


def _ordered(
    table: "DomainTable | Mapping[Hashable, EstimateLike]", periods: Sequence[Hashable] | None
) -> dict[Hashable, EstimateLike]:
    if periods is None:
        return dict(sorted(domain_items(table), key=lambda pair: pair[0]))
    if len(periods) == 0:
        raise ValueError("periods is empty")
    if len(set(periods)) != len(periods):
        raise ValueError("periods has repeated entries")
    try:
        return {p: table[p] for p in periods}
    except KeyError as missing:
        raise ValueError(f"period {missing} has no estimate in the table") from None


def period_series(
    table: "DomainTable | Mapping[Hashable, EstimateLike]",
    periods: Sequence[Hashable] | None = None,
    level: float = 0.95,
    method: str = "beta",
) -> EstimateArrays:
    """The index per period with its interval, in the order of ``periods`` (sorted labels if None)."""
    return estimate_arrays(_ordered(table, periods), level=level, method=method)


@dataclass(frozen=True)
class Contrast:
    """A design-based linear combination of period indices with its t-based test and interval."""

    value: float
    se: float
    df: float
    t: float
    p_value: float
    lower: float
    upper: float
    level: float


def _test(estimate: EstimateLike, level: float) -> Contrast:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    df = float(estimate.df) if np.isfinite(estimate.df) and estimate.df > 0 else np.inf
    se = float(estimate.se)
    t = float(estimate.value) / se if se > 0 else np.nan
    critical = stats.t.ppf(0.5 + level / 2, df)
    return Contrast(
        value=float(estimate.value),
        se=se,
        df=df,
        t=t,
        p_value=float(2 * stats.t.sf(abs(t), df)) if se > 0 else np.nan,
        lower=float(estimate.value) - critical * se,
        upper=float(estimate.value) + critical * se,
        level=level,
    )


@dataclass(frozen=True)
class Change:
    later: Hashable
    earlier: Hashable
    test: Contrast
    # The standard error the two periods would give if they shared no counters, for comparison.
    se_if_independent: float


def change(table: "DomainTable", later: Hashable, earlier: Hashable, level: float = 0.95) -> Change:
    """Index in ``later`` minus index in ``earlier``, with the design-based standard error."""
    if later == earlier:
        raise ValueError(f"change needs two different periods, got {later!r} twice")
    pair = _ordered(table, [later, earlier])
    difference = table.contrast({later: 1.0, earlier: -1.0})
    return Change(
        later=later,
        earlier=earlier,
        test=_test(difference, level),
        se_if_independent=float(np.hypot(pair[later].se, pair[earlier].se)),
    )


def linear_trend_weights(times: Sequence[float]) -> np.ndarray:
    """Contrast weights whose combination of the period values is their least-squares slope."""
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 3:
        raise ValueError(f"a linear trend needs at least 3 periods, got {t.size}")
    if np.any(~np.isfinite(t)) or np.unique(t).size != t.size:
        raise ValueError("times must be finite and distinct")
    centred = t - t.mean()
    return centred / np.sum(centred**2)


@dataclass(frozen=True)
class LinearTrend:
    periods: tuple[Hashable, ...]
    times: np.ndarray
    weights: np.ndarray
    slope: Contrast  # change in the index per unit of time


def linear_trend(
    table: "DomainTable", periods: Sequence[Hashable], times: Sequence[float] | None = None, level: float = 0.95
) -> LinearTrend:
    """Design-based test of a linear trend over ``periods`` (times 0, 1, 2, ... unless given)."""
    periods = tuple(periods)
    times_array = np.arange(len(periods), dtype=float) if times is None else np.asarray(times, dtype=float)
    if times_array.shape != (len(periods),):
        raise ValueError(f"times has {times_array.size} entries but there are {len(periods)} periods")
    weights = linear_trend_weights(times_array)
    _ordered(table, periods)
    slope = table.contrast(dict(zip(periods, weights.tolist())))
    return LinearTrend(periods=periods, times=times_array, weights=weights, slope=_test(slope, level))


@dataclass(frozen=True)
class MannKendall:
    """Per series (one row of the input per series): S, its variance, z, two-sided p and tau."""

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    tau: np.ndarray
    n: np.ndarray
    # False where a series has fewer than 3 values; its statistics are NaN.
    enough_data: np.ndarray


def mann_kendall(values: np.ndarray) -> MannKendall:
    """Mann-Kendall trend test of each series (1-d: one series; 2-d: series × periods; NaN = gap)."""
    x = np.asarray(values, dtype=float)
    if x.ndim not in (1, 2):
        raise ValueError(f"values must be a series or a series × periods matrix, got {x.ndim} dimensions")
    rows = np.atleast_2d(x)
    if rows.shape[1] == 0:
        raise ValueError("values has no periods")
    valid = ~np.isnan(rows)
    n = valid.sum(axis=1)
    if x.ndim == 1 and n[0] < 3:
        raise ValueError(f"Mann-Kendall needs at least 3 values, got {n[0]}")
    both = valid[:, :, None] & valid[:, None, :]
    later = np.triu(np.ones((rows.shape[1],) * 2, dtype=bool), k=1)
    with np.errstate(invalid="ignore"):
        signs = np.sign(rows[:, None, :] - rows[:, :, None])
        equal = rows[:, None, :] == rows[:, :, None]
    s = np.where(both & later, signs, 0).sum(axis=(1, 2))
    # Σ over tie groups of t(t−1)(2t+5) equals Σ over values of (c−1)(2c+5), c = size of its group.
    group = np.where(both, equal, False).sum(axis=2)
    ties = np.where(valid, (group - 1) * (2 * group + 5), 0).sum(axis=1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    enough = n >= 3
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
        tau = s / (n * (n - 1) / 2)
    p = 2 * stats.norm.sf(np.abs(z))

    def unless_short(a: np.ndarray) -> np.ndarray:
        return np.where(enough, a, np.nan)

    return MannKendall(
        s=unless_short(s),
        var_s=unless_short(var_s),
        z=unless_short(z),
        p_value=unless_short(p),
        tau=unless_short(tau),
        n=n,
        enough_data=enough,
    )


@dataclass(frozen=True)
class EwmaChart:
    """EWMA per series and period (rows are series, as in the input), limits and alarms."""

    lam: float
    L: float
    in_control_mean: np.ndarray  # one per series
    ewma: np.ndarray
    lower_limit: np.ndarray
    upper_limit: np.ndarray
    alarm: np.ndarray  # ewma below the lower limit
    first_alarm: np.ndarray  # index of the first alarmed period, −1 if none


def _baseline_mean(values: np.ndarray, se: np.ndarray, baseline: int) -> np.ndarray:
    if not 1 <= baseline <= values.shape[1]:
        raise ValueError(f"baseline must be between 1 and {values.shape[1]} periods, got {baseline}")
    x, s = values[:, :baseline], se[:, :baseline]
    usable = ~np.isnan(x) & (s > 0)
    if not usable.any(axis=1).all():
        raise ValueError("a series has no baseline period with an estimate and a positive standard error")
    precision = np.where(usable, 1 / np.where(usable, s, 1.0) ** 2, 0.0)
    return (precision * np.where(usable, x, 0.0)).sum(axis=1) / precision.sum(axis=1)


def ewma_chart(
    values: np.ndarray,
    se: np.ndarray,
    in_control_mean: float | np.ndarray | None = None,
    baseline: int | None = None,
    lam: float = 0.2,
    L: float = 3.0,
) -> EwmaChart:
    """EWMA chart of period indices with their standard errors (1-d or series × periods).

    The in-control mean is ``in_control_mean`` if given, otherwise the inverse-variance weighted
    mean of the first ``baseline`` periods of each series; its own uncertainty is not added to the
    limits.
    """
    if not 0 < lam <= 1:
        raise ValueError(f"lam must be in (0, 1], got {lam}")
    if not L > 0:
        raise ValueError(f"L must be positive, got {L}")
    x = np.atleast_2d(np.asarray(values, dtype=float))
    s = np.atleast_2d(np.asarray(se, dtype=float))
    if x.shape != s.shape or np.ndim(values) > 2:
        raise ValueError(f"values and se must have the same 1-d or 2-d shape, got {np.shape(values)} and {np.shape(se)}")
    if x.shape[1] == 0:
        raise ValueError("values has no periods")
    observed = ~np.isnan(x)
    if np.any(observed & ~(s >= 0)):
        raise ValueError("se must be a non-negative number wherever there is a value")
    if (in_control_mean is None) == (baseline is None):
        raise ValueError("give exactly one of in_control_mean and baseline")
    if in_control_mean is not None:
        centre = np.broadcast_to(np.asarray(in_control_mean, dtype=float), (x.shape[0],)).copy()
    else:
        centre = _baseline_mean(x, s, baseline)
    z = np.empty_like(x)
    variance = np.empty_like(x)
    previous, previous_var = centre, np.zeros(x.shape[0])
    for t in range(x.shape[1]):  # a recursion over periods, vectorised over series
        seen = observed[:, t]
        previous = np.where(seen, lam * np.where(seen, x[:, t], 0) + (1 - lam) * previous, previous)
        previous_var = np.where(seen, (1 - lam) ** 2 * previous_var + lam**2 * np.where(seen, s[:, t], 0) ** 2, previous_var)
        z[:, t], variance[:, t] = previous, previous_var
    half = L * np.sqrt(variance)
    lower, upper = centre[:, None] - half, centre[:, None] + half
    alarm = z < lower
    first = np.where(alarm.any(axis=1), alarm.argmax(axis=1), -1)
    squeeze = (lambda a: a[0]) if np.ndim(values) == 1 else (lambda a: a)
    return EwmaChart(
        lam=lam,
        L=L,
        in_control_mean=centre,
        ewma=squeeze(z),
        lower_limit=squeeze(lower),
        upper_limit=squeeze(upper),
        alarm=squeeze(alarm),
        first_alarm=first,
    )
