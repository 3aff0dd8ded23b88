"""Target verdicts: is a domain's satisfaction index at or above the target τ?

Rules (defaults from the project's statistical definitions):

- ``met`` when the one-sided 95% lower bound is ≥ τ;
- ``not_met`` when the one-sided 95% upper bound is < τ;
- ``inconclusive`` otherwise;
- ``insufficient_data`` when the domain has fewer than ``min_n`` responses (default 30) or an
  effective sample size below ``min_n_eff`` (default 10): with so few answers even the direction
  of a verdict is mostly chance, whatever the interval says.

A one-sided 95% bound is the bound of the two-sided 90% interval of the chosen method (the
Korn-Graubard ``beta`` interval by default).

**Responses to settle.** For every domain not yet settled the report gives the smallest number ``m``
of further responses at which, if the estimate stayed where it is, the one-sided bound on the
estimate's side would clear τ. The projection is the domain's own interval with ``m`` more responses
that look like the ones it has (same design effect and cell mix):

- the design effect ``deff = n / n_eff`` is held, so the effective n becomes ``(n + m) / deff``
  (``n_eff = p(1-p)/se²``; Kish's ``(Σw)²/Σw²`` where the interval itself falls back to it);
- the degrees of freedom grow in proportion to the responses, ``df·(n + m)/n``: the added responses
  bring as many new primary units per response as the present ones (exact when they arrive at the
  same responses per counter-day, conservative by ``m·cells/n`` when they join the cells of a design
  whose primary units are the respondents, where ``df`` would be ``df + m``);
- the interval is computed exactly as the verdict's (Korn-Graubard with ``n + m`` rows and those degrees
  of freedom, or Clopper-Pearson on Kish's n grown by ``(n + m)/n`` where the verdict's interval falls
  back to it), so ``m = 0`` reproduces the verdict and the count is never a stand-in.

An estimate within ``AT_TARGET_TOLERANCE`` (1e-9, floating-point rounding of weighted sums, far below
the 0.1 point a report shows) of τ never settles: its bounds close in on τ from both sides without
crossing, so the count is ``None`` with that reason ("not reachable"). :func:`weeks_to_settle` turns a
count into weeks at the domain's recent response rate.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from stats.estimate_arrays import EstimateLike, estimate_arrays, variance_effective_n

if TYPE_CHECKING:
    from stats.estimate import DomainTable
from stats import intervals

MET = "met"
NOT_MET = "not_met"
INCONCLUSIVE = "inconclusive"
INSUFFICIENT_DATA = "insufficient_data"
VERDICTS = (MET, NOT_MET, INCONCLUSIVE, INSUFFICIENT_DATA)

DEFAULT_TAU = 0.95
DEFAULT_MIN_N = 30
DEFAULT_MIN_N_EFF = 10.0
DEFAULT_ONE_SIDED_LEVEL = 0.95
DEFAULT_MAX_RESPONSES = 10**9

REASON_AT_TARGET = "estimate equals the target: at this estimate no number of responses settles the verdict"
REASON_NO_ESTIMATE = "no estimate to project from"
REASON_BEYOND_MAX = "would need more than the maximum number of responses considered"


def check_tau(tau: float) -> None:
    if not 0 < tau < 1:
        raise ValueError(f"target tau must be in (0, 1), got {tau}")


@dataclass(frozen=True)
class TargetRule:
    """The parameters of a verdict; every report states the rule it used."""

    tau: float = DEFAULT_TAU
    method: str = "beta"
    one_sided_level: float = DEFAULT_ONE_SIDED_LEVEL
    min_n: int = DEFAULT_MIN_N
    min_n_eff: float = DEFAULT_MIN_N_EFF

    def __post_init__(self) -> None:
        check_tau(self.tau)
        if self.method not in intervals.METHODS:
            raise ValueError(f"unknown interval method {self.method!r}; choose one of {', '.join(intervals.METHODS)}")
        if not 0.5 < self.one_sided_level < 1:
            raise ValueError(f"one_sided_level must be in (0.5, 1), got {self.one_sided_level}")
        if self.min_n < 1 or self.min_n_eff <= 0:
            raise ValueError(f"min_n must be ≥ 1 and min_n_eff > 0, got {self.min_n} and {self.min_n_eff}")


def _as_float_arrays(**arrays: Any) -> list[np.ndarray]:
    converted = [np.atleast_1d(np.asarray(a, dtype=float)) for a in arrays.values()]
    shapes = {a.shape for a in converted}
    if len(shapes) != 1:
        detail = ", ".join(f"{name} {a.shape}" for name, a in zip(arrays, converted))
        raise ValueError(f"arrays differ in length: {detail}")
    if converted[0].size == 0:
        raise ValueError(f"{', '.join(arrays)} are empty")
    return converted


def classify(
    lower: np.ndarray,
    upper: np.ndarray,
    n: np.ndarray,
    n_eff: np.ndarray,
    rule: TargetRule = TargetRule(),
) -> np.ndarray:
    """Verdict per domain from its one-sided lower and upper bounds (array of verdict strings)."""
    tau = rule.tau
    lower, upper, n, n_eff = _as_float_arrays(lower=lower, upper=upper, n=n, n_eff=n_eff)
    verdict = np.full(lower.shape, INCONCLUSIVE, dtype=object)
    verdict[lower >= tau] = MET
    verdict[upper < tau] = NOT_MET
    too_small = ~(n >= rule.min_n) | ~(n_eff >= rule.min_n_eff) | np.isnan(lower) | np.isnan(upper)
    verdict[too_small] = INSUFFICIENT_DATA
    return verdict


@dataclass(frozen=True)
class Projection:
    """Further responses per domain; ``further`` is -1 where ``reason`` says why there is none."""

    further: np.ndarray
    reason: np.ndarray


@dataclass(frozen=True)
class _Growth:
    """What a domain's interval is made of, and how it grows with ``m`` more responses."""

    p: np.ndarray
    n: np.ndarray
    deff: np.ndarray
    df: np.ndarray | None        # None: the asymptotic projection (no degrees of freedom known)
    n_kish: np.ndarray
    fallback: np.ndarray         # the interval is Clopper-Pearson on Kish's n whatever m (no variance)

    def settled(self, m: np.ndarray, which: np.ndarray, rule: TargetRule) -> np.ndarray:
        """Whether ``m`` more responses settle the verdict, for the domains in the mask ``which``."""
        p, n_m, grown = self.p[which], self.n[which] + m[which], (self.n[which] + m[which]) / self.n[which]
        level = 2 * rule.one_sided_level - 1
        interior = (p > 0) & (p < 1)
        p_inner = np.where(interior, p, 0.5)
        se = np.sqrt(p_inner * (1 - p_inner) * self.deff[which] / n_m)
        if self.df is None:
            # Infinite df and n set the Korn-Graubard factor to 1: the effective n itself.
            lower, upper = intervals.interval(rule.method, p_inner, se, np.inf, np.inf, level)
            kish = ~interior
            exact_lower, exact_upper = intervals.kish_clopper_pearson(p, n_m / self.deff[which], level)
        else:
            df = self.df[which] * grown
            lower, upper = intervals.interval(rule.method, p_inner, se, np.maximum(df, 1.0), n_m, level)
            kish = ~interior | self.fallback[which] | ~(df >= 1)
            exact_lower, exact_upper = intervals.kish_clopper_pearson(p, self.n_kish[which] * grown, level)
        lower, upper = np.where(kish, exact_lower, lower), np.where(kish, exact_upper, upper)
        out = np.zeros(self.p.shape, dtype=bool)
        out[which] = np.where(p > rule.tau, lower >= rule.tau, upper < rule.tau)
        return out


AT_TARGET_TOLERANCE = 1e-9


def responses_to_settle(
    p: np.ndarray,
    n: np.ndarray,
    n_eff: np.ndarray,
    rule: TargetRule = TargetRule(),
    max_responses: int = DEFAULT_MAX_RESPONSES,
    *,
    df: np.ndarray | None = None,
    se: np.ndarray | None = None,
    n_kish: np.ndarray | None = None,
) -> Projection:
    """Smallest number ``m ≥ 0`` of further responses whose projected bound crosses ``rule.tau``.

    With ``df`` (and ``se``, ``n_kish``: the domain's standard error and Kish n) the projection is the
    domain's own interval grown by ``m`` responses, as the module docstring says. Without ``df`` it is
    the asymptotic interval on the effective n ``(n + m)/deff`` (Korn-Graubard factor 1).
    """
    tau = rule.tau
    p, n, n_eff = _as_float_arrays(p=p, n=n, n_eff=n_eff)
    usable = np.isfinite(p) & (n > 0) & (n_eff > 0) & np.isfinite(n_eff) & (p >= 0) & (p <= 1)
    at_target = usable & (np.abs(p - tau) <= AT_TARGET_TOLERANCE)
    movable = usable & ~at_target
    deff = np.where(usable, n / np.where(usable, n_eff, 1.0), 1.0)
    if df is None:
        df_safe = None
        kish_n = n_eff
        fallback = np.zeros(p.shape, dtype=bool)
    else:
        df_safe, = _as_float_arrays(df=np.broadcast_to(np.asarray(df, float), p.shape))
        kish_n, = _as_float_arrays(n_kish=np.broadcast_to(np.asarray(n_eff if n_kish is None else n_kish, float),
                                                           p.shape))
        fallback = np.zeros(p.shape, dtype=bool) if se is None else ~(np.asarray(se, float) > 0)
        movable &= ~fallback | (kish_n > 0)  # a fallback needs Kish's n
    growth = _Growth(np.where(movable, p, tau / 2), np.where(movable, n, 1.0), deff,
                     None if df_safe is None else np.where(np.isnan(df_safe), 0.0, df_safe),
                     np.where(movable, kish_n, 1.0), fallback)

    def settles(m: np.ndarray, which: np.ndarray) -> np.ndarray:
        return growth.settled(m, which, rule)

    # Doubling finds a count that settles; bisection then narrows it to the smallest one. Each
    # step is one vectorised quantile evaluation over the domains still open.
    at_once = settles(np.zeros_like(p), movable)
    high = np.where(at_once, 0.0, 1.0)
    pending = movable & ~at_once
    pending &= ~settles(high, pending)
    while pending.any():
        high = np.where(pending, high * 2, high)
        pending &= high <= max_responses
        pending &= ~settles(high, pending)
    reachable = movable & (high <= max_responses)
    low = np.floor(high / 2)  # the last count the doubling saw not settling (0 when high is 1)
    while True:
        open_ = reachable & (high - low > 1)
        if not open_.any():
            break
        middle = np.floor((low + high) / 2)
        ok = settles(middle, open_)
        high = np.where(open_ & ok, middle, high)
        low = np.where(open_ & ~ok, middle, low)
    further = np.where(reachable, high, -1).astype(np.int64)
    reason = np.full(p.shape, "", dtype=object)
    reason[movable & ~reachable] = REASON_BEYOND_MAX
    reason[at_target] = REASON_AT_TARGET
    reason[~usable] = REASON_NO_ESTIMATE
    return Projection(further=further, reason=reason)


def weeks_to_settle(further: np.ndarray, responses_per_week: np.ndarray) -> np.ndarray:
    """Weeks until ``further`` responses arrive at the domain's recent rate (NaN where either is unknown)."""
    further = np.asarray(further, float)
    rate = np.asarray(responses_per_week, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        weeks = np.ceil(further / rate)
    return np.where((further >= 0) & (rate > 0) & np.isfinite(rate), weeks, np.nan)


@dataclass(frozen=True)
class TargetVerdict:
    label: Hashable
    estimate: float
    lower: float
    upper: float
    n: int
    n_eff: float
    verdict: str
    further_responses: int | None
    reason: str | None


@dataclass(frozen=True)
class TargetReport:
    """Verdicts for a set of domains, as parallel arrays (position i is ``labels[i]``)."""

    rule: TargetRule
    labels: tuple[Hashable, ...]
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    verdict: np.ndarray
    further_responses: np.ndarray
    reason: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, label: Hashable) -> TargetVerdict:
        try:
            i = self.labels.index(label)
        except ValueError:
            raise KeyError(f"no domain labelled {label!r}") from None
        further = int(self.further_responses[i])
        return TargetVerdict(
            label=label,
            estimate=float(self.estimate[i]),
            lower=float(self.lower[i]),
            upper=float(self.upper[i]),
            n=int(self.n[i]),
            n_eff=float(self.n_eff[i]),
            verdict=str(self.verdict[i]),
            further_responses=further if further >= 0 else None,
            reason=str(self.reason[i]) or None,
        )

    def records(self) -> list[TargetVerdict]:
        return [self[label] for label in self.labels]

    def counts(self) -> dict[str, int]:
        return {v: int(np.sum(self.verdict == v)) for v in VERDICTS}


def target_report_from_arrays(
    labels: tuple[Hashable, ...],
    estimate: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    n: np.ndarray,
    n_eff: np.ndarray,
    rule: TargetRule = TargetRule(),
    *,
    df: np.ndarray | None = None,
    se: np.ndarray | None = None,
    n_kish: np.ndarray | None = None,
) -> TargetReport:
    """Verdicts and further responses from per-domain estimates and one-sided bounds (``df``, ``se`` and
    ``n_kish`` make the projection the domain's own interval; see :func:`responses_to_settle`)."""
    estimate, lower, upper, n, n_eff = _as_float_arrays(
        estimate=estimate, lower=lower, upper=upper, n=n, n_eff=n_eff
    )
    if len(labels) != estimate.size:
        raise ValueError(f"labels has {len(labels)} entries but the arrays have {estimate.size}")
    verdict = classify(lower, upper, n, n_eff, rule)
    projection = responses_to_settle(estimate, n, n_eff, rule, df=df, se=se, n_kish=n_kish)
    further = projection.further
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = np.where(n_eff > 0, n / n_eff, np.inf)
    # A small domain must first reach the minimum sample, whatever its interval says.
    to_minimum = np.maximum(rule.min_n - n, np.ceil(rule.min_n_eff * deff - n)).clip(0)
    small = verdict == INSUFFICIENT_DATA
    further = np.where(small & (further >= 0), np.maximum(further, to_minimum), further)
    # With df the projection at m = 0 is the verdict's own interval, so an unsettled domain projects
    # as settled at 0 only by rounding at the bound; the bound only tightens with m, so 1 is then the
    # smallest count that settles. (Without df the projection is asymptotic and this is a floor.)
    further = np.where((verdict == INCONCLUSIVE) & (further == 0), 1, further)
    settled = (verdict == MET) | (verdict == NOT_MET)
    further = np.where(settled, 0, further).astype(np.int64)
    reason = np.where(settled, "", projection.reason)
    return TargetReport(
        rule=rule,
        labels=tuple(labels),
        estimate=estimate,
        lower=lower,
        upper=upper,
        n=n,
        n_eff=n_eff,
        verdict=verdict,
        further_responses=further,
        reason=reason,
    )


def target_verdicts(
    estimates: "DomainTable | Mapping[Hashable, EstimateLike]", rule: TargetRule = TargetRule()
) -> TargetReport:
    """Verdicts for design-based domain estimates (a ``Design.by(...)`` table or a mapping).

    The bounds are those of ``Estimate.ci`` at the two-sided level ``2·one_sided_level − 1``.
    """
    arrays = estimate_arrays(estimates, level=2 * rule.one_sided_level - 1, method=rule.method)
    n_eff = variance_effective_n(arrays.value, arrays.se, arrays.n_kish)
    return target_report_from_arrays(arrays.labels, arrays.value, arrays.lower, arrays.upper, arrays.n, n_eff, rule,
                                     df=arrays.df, se=arrays.se, n_kish=arrays.n_kish)
