"""Domain estimates laid out as parallel numpy arrays, one position per domain.

The verdict, trend and ranking code works on whole arrays of domains at once; this is the one
place where design-based ``Estimate`` objects are read into that shape.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from stats.estimate import DomainTable


class EstimateLike(Protocol):
    value: float
    se: float
    df: float
    n: int
    n_eff: float
    n_kish: float

    def ci(self, level: float = 0.95, method: str = "beta") -> tuple[float, float]: ...


@dataclass(frozen=True)
class EstimateArrays:
    labels: tuple[Hashable, ...]
    value: np.ndarray
    se: np.ndarray
    df: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
    n_kish: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    method: str

    def __len__(self) -> int:
        return len(self.labels)

    def position(self, label: Hashable) -> int:
        try:
            return self.labels.index(label)
        except ValueError:
            raise KeyError(f"no domain labelled {label!r}") from None


def domain_items(estimates: "DomainTable | Mapping[Hashable, EstimateLike]") -> list[tuple[Hashable, EstimateLike]]:
    """(label, estimate) pairs of a mapping or a ``DomainTable``."""
    if isinstance(estimates, Mapping):
        return list(estimates.items())
    if hasattr(estimates, "labels") and hasattr(estimates, "__getitem__"):
        return [(label, estimates[label]) for label in estimates.labels.tolist()]
    raise ValueError(f"estimates must map domain labels to estimates, got {type(estimates).__name__}")


def estimate_arrays(
    estimates: "DomainTable | Mapping[Hashable, EstimateLike]", level: float = 0.95, method: str = "beta"
) -> EstimateArrays:
    """Arrays of a domain table (read whole) or of any mapping of labels to estimates."""
    if hasattr(estimates, "ses"):  # a DomainTable carries its domains as arrays already
        if len(estimates) == 0:
            raise ValueError("estimates is empty: no domain to report")
        lower, upper = estimates.ci(level=level, method=method)
        return EstimateArrays(
            labels=tuple(estimates.labels.tolist()),
            value=np.asarray(estimates.values, dtype=float),
            se=np.asarray(estimates.ses, dtype=float),
            df=np.asarray(estimates.dfs, dtype=float),
            n=np.asarray(estimates.ns, dtype=float),
            n_eff=np.asarray(estimates.n_effs, dtype=float),
            n_kish=np.asarray(estimates.n_kish, dtype=float),
            lower=lower,
            upper=upper,
            level=level,
            method=method,
        )
    pairs = domain_items(estimates)
    if not pairs:
        raise ValueError("estimates is empty: no domain to report")
    labels = tuple(label for label, _ in pairs)
    bounds = np.array([e.ci(level=level, method=method) for _, e in pairs], dtype=float).reshape(-1, 2)

    def column(name: str) -> np.ndarray:
        return np.array([getattr(e, name) for _, e in pairs], dtype=float)

    return EstimateArrays(
        labels=labels,
        value=column("value"),
        se=column("se"),
        df=column("df"),
        n=column("n"),
        n_eff=column("n_eff"),
        n_kish=column("n_kish"),
        lower=bounds[:, 0],
        upper=bounds[:, 1],
        level=level,
        method=method,
    )


def variance_effective_n(value: np.ndarray, se: np.ndarray, n_kish: np.ndarray) -> np.ndarray:
    """Effective sample size p(1-p)/se² of proportions, the design-based one.

    At an estimate of 0 or 1 the variance is zero and says nothing about precision; there Kish's
    effective n stands in, as it does for the interval.
    """
    value = np.asarray(value, dtype=float)
    se = np.asarray(se, dtype=float)
    interior = (value > 0) & (value < 1) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_variance = value * (1 - value) / se**2
    return np.where(interior, from_variance, np.asarray(n_kish, dtype=float))
