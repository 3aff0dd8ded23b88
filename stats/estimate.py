"""Results: one :class:`Estimate`, or a :class:`DomainTable` of estimates by domain."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from stats import intervals

# Kinds whose value lies in [0, 1]: they default to Korn-Graubard and get the Kish fallback.
BOUNDED_KINDS = frozenset({"proportion", "composite"})
KISH_NOTE = "clopper-pearson-kish"
NO_DF_NOTE = "no-degrees-of-freedom"
# A standard error below this fraction of the estimate's scale is rounding, not variance: it is zero.
SE_NOISE = 1e-12


def estimate_scale(kind: str, values: np.ndarray) -> np.ndarray:
    """The scale a standard error is compared with: 1 for a share in [0, 1], else the estimate's size."""
    values = np.asarray(values, float)
    return np.ones_like(values) if kind in BOUNDED_KINDS else np.abs(values)


def floored(ses: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Standard errors with numerical noise (below ``SE_NOISE`` of ``scale``) set to exactly 0.

    A domain inside one cluster has no variance, but its linearised variance comes out as ~1e-16
    rather than 0; an effective n of p(1-p)/se² ≈ 1e31 would then give an interval of zero width.
    Zero sends bounded estimates to the Clopper-Pearson interval on Kish's n (``interval_notes``).
    """
    ses = np.asarray(ses, float)
    return np.where(ses < SE_NOISE * np.asarray(scale, float), 0.0, ses)


class VarianceBasis(Protocol):
    """What a variance method keeps per domain so that linear combinations get their own variance."""

    def variance(self) -> np.ndarray: ...

    def combine(self, coefficients: np.ndarray) -> "VarianceBasis": ...


def default_method(kind: str) -> str:
    return "beta" if kind in BOUNDED_KINDS else "wald"


def interval_notes(kind: str, values, ses, dfs) -> np.ndarray:
    """Why an interval is not the requested method's (empty string when it is)."""
    values, ses, dfs = (np.asarray(a, float) for a in (values, ses, dfs))
    degenerate = ~(dfs >= 1) | ~(ses > 0)
    if kind in BOUNDED_KINDS:
        fallback = degenerate | (values <= 0.0) | (values >= 1.0)
        return np.where(fallback, KISH_NOTE, "")
    return np.where(~(dfs >= 1), NO_DF_NOTE, "")


def bounds(kind: str, values, ses, dfs, ns, n_kish, level: float, method: str | None):
    """Vectorised interval with the fallbacks described in :mod:`stats.intervals`."""
    method = method or default_method(kind)
    if method not in intervals.METHODS:
        raise ValueError(f"unknown interval method {method!r}; choose one of {', '.join(intervals.METHODS)}")
    values, ses, dfs, ns = (np.asarray(a, float) for a in (values, ses, dfs, ns))
    if kind not in BOUNDED_KINDS and method != "wald":
        # A mean of a 0/1 item is a proportion: proportion intervals apply to values inside [0, 1].
        if not ((values >= 0) & (values <= 1)).all():
            raise ValueError(f"interval method {method!r} applies to proportions; a {kind} outside [0, 1] takes 'wald'")
        kind = "proportion"
    notes = interval_notes(kind, values, ses, dfs)
    ok = notes == ""
    low = np.full(values.shape, np.nan)
    high = np.full(values.shape, np.nan)
    if ok.any():
        low[ok], high[ok] = intervals.interval(method, values[ok], ses[ok], dfs[ok], ns[ok], level)
    kish = notes == KISH_NOTE
    if kish.any():
        low[kish], high[kish] = intervals.kish_clopper_pearson(values[kish], np.asarray(n_kish, float)[kish], level)
    return low, high


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate.

    ``df`` is R's design degrees of freedom for the domain, ``n`` the rows with positive weight in the
    domain, ``n_eff`` the variance-based effective sample size ``s²/se²`` (``p(1-p)/se²`` for a
    proportion, as R's ``svyciprop``; Kish's ``(Σw)²/Σw²``, ``n_kish``, for a proportion at 0 or 1 or
    without variance), ``deff`` R's design effect (without-replacement SRS reference), NaN where not
    defined.
    """

    value: float
    se: float
    df: float
    n: int
    n_eff: float = math.nan
    deff: float = math.nan
    kind: str = "mean"
    n_kish: float = math.nan
    label: Any = None

    @property
    def var(self) -> float:
        return self.se * self.se

    @property
    def interval_note(self) -> str | None:
        """``"clopper-pearson-kish"`` when a proportion's interval falls back to Clopper-Pearson on
        Kish's effective n (estimate at 0 or 1, zero variance or no degrees of freedom);
        ``"no-degrees-of-freedom"`` when a mean has no interval; otherwise ``None``."""
        note = str(interval_notes(self.kind, [self.value], [self.se], [self.df])[0])
        return note or None

    def ci(self, level: float = 0.95, method: str | None = None, df: float | None = None) -> tuple[float, float]:
        """Confidence interval; ``method`` defaults to ``"beta"`` for proportions and ``"wald"`` otherwise,
        ``df`` to the design degrees of freedom (``math.inf`` gives normal quantiles)."""
        low, high = bounds(self.kind, [self.value], [self.se], [self.df if df is None else df], [self.n],
                           [self.n_kish], level, method)
        return float(low[0]), float(high[0])

    def score_0_100(self) -> "Estimate":
        """The 1-5 mean as a 0-100 score, ``100·(mean − 1)/4``."""
        if self.kind != "mean":
            raise ValueError(f"the 0-100 score transforms a mean of a 1-5 item, not a {self.kind}")
        return replace(self, value=100.0 * (self.value - 1.0) / 4.0, se=25.0 * self.se, kind="score")


@dataclass(frozen=True, eq=False)
class DomainTable:
    """Estimates by domain, each domain estimated as a domain of the full design.

    Indexed by domain label (``t[label]`` is an :class:`Estimate`), iterates over labels, and holds the
    arrays ``labels``, ``values``, ``ses``, ``dfs``, ``ns``, ``n_effs``, ``deffs`` for every domain at once.
    """

    labels: np.ndarray
    values: np.ndarray
    ses: np.ndarray
    dfs: np.ndarray
    ns: np.ndarray
    n_effs: np.ndarray
    deffs: np.ndarray
    n_kish: np.ndarray
    kind: str
    basis: VarianceBasis = field(repr=False)
    union_df: Callable[[np.ndarray], float] = field(repr=False)

    def _index(self) -> dict:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {label: i for i, label in enumerate(self.labels.tolist())}
            object.__setattr__(self, "_index_cache", index)
        return index

    def position(self, label: Any) -> int:
        try:
            return self._index()[label]
        except KeyError:
            raise ValueError(f"domain {label!r} is not in this table (empty or absent domain)") from None

    def __getitem__(self, label: Any) -> Estimate:
        i = self.position(label)
        return Estimate(float(self.values[i]), float(self.ses[i]), float(self.dfs[i]), int(self.ns[i]),
                        float(self.n_effs[i]), float(self.deffs[i]), self.kind, float(self.n_kish[i]),
                        self.labels[i].item() if hasattr(self.labels[i], "item") else self.labels[i])

    def __iter__(self) -> Iterator:
        return iter(self.labels.tolist())

    def __len__(self) -> int:
        return len(self.labels)

    def items(self) -> Iterator[tuple[Any, Estimate]]:
        return ((label, self[label]) for label in self)

    def ci(self, level: float = 0.95, method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Interval bounds for every domain (see :meth:`Estimate.ci`)."""
        return bounds(self.kind, self.values, self.ses, self.dfs, self.ns, self.n_kish, level, method)

    def interval_notes(self) -> np.ndarray:
        return interval_notes(self.kind, self.values, self.ses, self.dfs)

    def contrast(self, coefficients: Mapping[Any, float]) -> Estimate:
        """``Σ c_d θ_d`` with its standard error from the covariance between domains.

        Its degrees of freedom are clusters minus strata among rows of positive weight in any of the
        domains involved.
        """
        if not coefficients:
            raise ValueError("a contrast needs at least one domain coefficient")
        c = np.zeros(len(self.labels))
        for label, coefficient in coefficients.items():
            c[self.position(label)] = float(coefficient)
        combined = self.basis.combine(c)
        scale = np.abs(c * self.values).max()
        se = float(floored(np.sqrt(combined.variance()[:1]), np.array([scale]))[0])
        return Estimate(float(c @ self.values), se, self.union_df(c != 0), int(self.ns[c != 0].sum()),
                        kind="contrast", label=dict(coefficients))

    def to_records(self, level: float = 0.95, method: str | None = None) -> list[dict[str, Any]]:
        low, high = self.ci(level, method)
        notes = self.interval_notes()
        return [
            {"label": label, "value": float(self.values[i]), "se": float(self.ses[i]), "df": float(self.dfs[i]),
             "n": int(self.ns[i]), "n_eff": float(self.n_effs[i]), "deff": float(self.deffs[i]),
             "ci_low": float(low[i]), "ci_high": float(high[i]), "interval_note": str(notes[i]) or None}
            for i, label in enumerate(self.labels.tolist())
        ]
