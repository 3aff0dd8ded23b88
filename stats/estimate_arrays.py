"""Domain estimates laid out as parallel numpy arrays, one position per domain.

The verdict, trend and ranking code works on whole arrays of domains at once; this is the one
place where design-based ``Estimate`` objects are read into that shape.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class EstimateLike(Protocol):
    value: float
    se: float
    df: float
    n: int
    n_eff: float

    def ci(self, level: float = 0.95, method: str = "beta") -> tuple[float, float]: ...


@dataclass(frozen=True)
class EstimateArrays:
    labels: tuple[Hashable, ...]
    value: np.ndarray
    se: np.ndarray
    df: np.ndarray
    n: np.ndarray
    n_eff: np.ndarray
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


def domain_items(estimates: Mapping[Hashable, EstimateLike] | Any) -> list[tuple[Hashable, EstimateLike]]:
    """(label, estimate) pairs of a mapping or of a domain table from ``Design.by``."""
    if hasattr(estimates, "items"):
        return list(estimates.items())
    if hasattr(estimates, "labels"):
        return [(label, estimates[label]) for label in estimates.labels]
    raise ValueError("estimates must be a mapping of domain label to Estimate or a domain table")


def estimate_arrays(
    estimates: Mapping[Hashable, EstimateLike] | Iterable[tuple[Hashable, EstimateLike]] | Any,
    level: float = 0.95,
    method: str = "beta",
) -> EstimateArrays:
    pairs = domain_items(estimates)
    if not pairs:
        raise ValueError("estimates is empty: no domain to report")
    labels = tuple(label for label, _ in pairs)
    if len(set(labels)) != len(labels):
        raise ValueError("estimates has repeated domain labels")
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
        lower=bounds[:, 0],
        upper=bounds[:, 1],
        level=level,
        method=method,
    )


def variance_effective_n(value: np.ndarray, se: np.ndarray, fallback_n_eff: np.ndarray) -> np.ndarray:
    """Effective sample size p(1-p)/se² of proportions, the design-based one.

    At an estimate of 0 or 1 the variance is zero and says nothing about precision; there the
    estimate's own effective n (Kish's) stands in, as it does for the interval.
    """
    value = np.asarray(value, dtype=float)
    se = np.asarray(se, dtype=float)
    interior = (value > 0) & (value < 1) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_variance = value * (1 - value) / se**2
    return np.where(interior, from_variance, np.asarray(fallback_n_eff, dtype=float))
