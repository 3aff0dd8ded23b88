"""Stratified designs estimated from per-cell sufficient statistics, without response rows.

Why this exists: a satisfaction report's design is R's
``svydesign(ids=~1, strata=~cell, weights=~w, fpc=~N)`` — every weighting cell (a unit × month) is a
stratum whose respondents are a simple random sample of its ``N`` dossiers — or, as an option,
``svydesign(ids=~counter_day, strata=~cell, weights=~w, fpc=~f)`` with counter-days as primary units.
Counters are never primary units: every counter of a unit is observed, none is sampled.

Every linearised variance of a ratio (a proportion, or a weighted sum of element proportions, each over
its own respondents) is a function of, per stratum ``h`` and domain ``d``, the sum ``S1`` of the PSUs'
influence totals and the sum ``S2`` of their squares:
``V_d = Σ_h (1 − f_h)·n_h/(n_h − 1)·(S2_hd − S1_hd²/n_h)``, with ``n_h`` the stratum's PSUs in the
whole design (PSUs outside the domain count as zeros, as R's ``svyrecvar`` pads them). The influence of a
respondent is a linear function of its item indicators, so ``S1`` and ``S2`` need only:

* for respondents as PSUs, how many respondents of a cell share each *answer pattern* (which items they
  answered and which they rated satisfied): ``S2`` is exact from the pattern counts, and a database
  returns them with one ``GROUP BY`` (see :class:`PsuRows`);
* for counter-days as PSUs, each counter-day's answered and satisfied counts per item.

Both are rows of :class:`PsuRows`: a multiplicity ``m`` (respondents sharing a pattern, or 1 for a
counter-day) and count vectors ``A`` (answered) and ``Y`` (satisfied). A row lies in one stratum and one
domain, so domains are unions of rows and :meth:`CellDesign.by` estimates every domain of a labelling
at once, with the covariances a contrast between domains needs.

A stratum with one PSU (after the caller collapsed what it could) has no within-stratum variance; it
contributes ``(1 − f_h)·S2`` (its influence centred at zero, the population mean of influence values).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from stats.estimate import DomainTable

PSU_KINDS = ("respondent", "group")


@dataclass(frozen=True)
class PsuRows:
    """The sufficient statistics of a stratified design, one row per (pattern or PSU) group.

    ``stratum``: stratum code per row (0..H-1). ``weight``: the design weight of the row's respondents.
    ``multiplicity``: respondents sharing the row's pattern (``psu="respondent"``) or 1 (``"group"``).
    ``answered``/``satisfied``: per row and item, the answered and satisfied counts of *one* PSU of the
    row (0/1 for a respondent pattern). ``responses``: responses per PSU of the row (1 for a respondent).
    ``fpc_factor``: ``1 − f_h`` per stratum (1 without finite population correction).
    """

    stratum: np.ndarray
    weight: np.ndarray
    multiplicity: np.ndarray
    answered: np.ndarray
    satisfied: np.ndarray
    responses: np.ndarray
    items: tuple[str, ...]
    fpc_factor: np.ndarray
    psu: str = "respondent"

    def __post_init__(self) -> None:
        if self.psu not in PSU_KINDS:
            raise ValueError(f"psu must be one of {', '.join(PSU_KINDS)}, got {self.psu!r}")
        n = len(self.stratum)
        shapes = {"weight": self.weight.shape, "multiplicity": self.multiplicity.shape,
                  "responses": self.responses.shape}
        if any(shape != (n,) for shape in shapes.values()):
            raise ValueError(f"row arrays differ in length from stratum ({n}): {shapes}")
        k = len(self.items)
        if self.answered.shape != (n, k) or self.satisfied.shape != (n, k):
            raise ValueError(f"answered and satisfied must be {n} rows × {k} items, got "
                             f"{self.answered.shape} and {self.satisfied.shape}")
        if n and (self.stratum.min() < 0 or self.stratum.max() >= len(self.fpc_factor)):
            raise ValueError("stratum codes must index fpc_factor")
        if (self.satisfied > self.answered).any() or (self.answered < 0).any() or (self.weight < 0).any():
            raise ValueError("satisfied counts must not exceed answered counts; counts and weights are non-negative")
        if ((self.fpc_factor < 0) | (self.fpc_factor > 1)).any():
            raise ValueError("fpc factors 1 − n/N must lie in [0, 1]")

    @property
    def n_strata(self) -> int:
        return len(self.fpc_factor)

    def item_position(self, name: str) -> int:
        try:
            return self.items.index(name)
        except ValueError:
            raise ValueError(f"item {name!r} is not in these sums (have: {', '.join(self.items)})") from None


@dataclass(frozen=True)
class StratumScale:
    """Per stratum: the factor of ``S2`` and the factor of ``S1²`` in the variance."""

    squares: np.ndarray
    centring: np.ndarray

    @classmethod
    def of(cls, n_psu: np.ndarray, fpc_factor: np.ndarray) -> StratumScale:
        n = n_psu.astype(float)
        several = n > 1
        squares = np.where(several, fpc_factor * n / np.maximum(n - 1, 1), fpc_factor)
        return cls(squares, np.where(several, squares / np.maximum(n, 1), 0.0))


@dataclass(frozen=True)
class MomentBasis:
    """Per row: its stratum, its domain (-1 outside), ``l`` = its share of ``S1`` and ``q`` of ``S2``."""

    stratum: np.ndarray
    domain: np.ndarray
    linear: np.ndarray
    square: np.ndarray
    scale: StratumScale
    n_domains: int

    def variance(self) -> np.ndarray:
        inside = self.domain >= 0
        if not inside.any():
            return np.zeros(self.n_domains)
        key = self.stratum[inside].astype(np.int64) * self.n_domains + self.domain[inside]
        keys, position = np.unique(key, return_inverse=True)
        s1 = np.bincount(position, weights=self.linear[inside], minlength=len(keys))
        s2 = np.bincount(position, weights=self.square[inside], minlength=len(keys))
        strata, domains = keys // self.n_domains, keys % self.n_domains
        per_key = self.scale.squares[strata] * s2 - self.scale.centring[strata] * s1 * s1
        return np.maximum(np.bincount(domains, weights=per_key, minlength=self.n_domains), 0.0)

    def combine(self, coefficients: np.ndarray) -> MomentBasis:
        """The basis of ``Σ c_d θ_d``: each row's influence scaled by its domain's coefficient."""
        c = np.asarray(coefficients, float)
        if c.shape != (self.n_domains,):
            raise ValueError(f"need {self.n_domains} coefficients, got {c.size}")
        factor = np.where(self.domain >= 0, c[np.maximum(self.domain, 0)], 0.0)
        used = (self.domain >= 0) & (factor != 0)
        return MomentBasis(self.stratum, np.where(used, 0, -1), self.linear * factor, self.square * factor * factor,
                           self.scale, 1)


@dataclass(frozen=True)
class CellDesign:
    """A stratified design on :class:`PsuRows` (see the module docstring for the R equivalents)."""

    rows: PsuRows

    @property
    def n_psu(self) -> np.ndarray:
        """PSUs per stratum in the whole design."""
        return np.bincount(self.rows.stratum, weights=self.rows.multiplicity, minlength=self.rows.n_strata)

    def by(self, labels: Sequence[Hashable] | np.ndarray, outside: Hashable = "") -> CellEstimator:
        """Estimates for every domain of ``labels`` (one label per row; ``outside`` marks rows in none)."""
        labels = np.asarray(labels, dtype=object)
        if labels.shape != (len(self.rows.stratum),):
            raise ValueError(f"need one domain label per row ({len(self.rows.stratum)}), got {labels.size}")
        inside = labels != outside
        text = labels[inside].astype(str)
        _, first, codes = np.unique(text, return_index=True, return_inverse=True)
        domain = np.full(len(labels), -1, np.int64)
        domain[inside] = codes.reshape(-1)
        names = labels[inside][first] if len(first) else np.zeros(0, dtype=object)
        return CellEstimator(self, domain, np.asarray(names, dtype=object))


@dataclass(frozen=True)
class CellEstimator:
    design: CellDesign
    domain: np.ndarray
    labels: np.ndarray

    @property
    def n_domains(self) -> int:
        return len(self.labels)

    def proportion(self, item: str) -> DomainTable:
        """Share satisfied among the respondents who answered ``item``, per domain."""
        return self._table(np.array([1.0]), [self.design.rows.item_position(item)], "proportion")

    def composite(self, items: Sequence[str], weights: Sequence[float] | None = None) -> DomainTable:
        """``Σ a_e θ_e`` over element proportions, each over its own respondents; ``a`` normalised to sum 1.
        A domain where some element has no answer has no composite."""
        if not items:
            raise ValueError("a composite needs at least one element")
        a = np.ones(len(items)) if weights is None else np.asarray(weights, float)
        if a.shape != (len(items),) or not (np.isfinite(a).all() and (a >= 0).all() and a.sum() > 0):
            raise ValueError("composite element weights must be one non-negative number per element, with a positive sum")
        return self._table(a / a.sum(), [self.design.rows.item_position(i) for i in items], "composite")

    def _table(self, a: np.ndarray, columns: list[int], kind: str) -> DomainTable:
        rows, dom, n_dom = self.design.rows, self.domain, self.n_domains
        inside = dom >= 0
        d = np.maximum(dom, 0)
        w_m = np.where(inside, rows.weight * rows.multiplicity, 0.0)
        answered = rows.answered[:, columns].astype(float)
        satisfied = rows.satisfied[:, columns].astype(float)

        def per_domain(values: np.ndarray) -> np.ndarray:
            return np.stack([np.bincount(d, weights=values[:, j] * inside, minlength=n_dom)
                             for j in range(values.shape[1])], axis=1) if n_dom else np.zeros((0, values.shape[1]))

        numerator = per_domain(satisfied * w_m[:, None])
        denominator = per_domain(answered * w_m[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = numerator / denominator
        valid = np.asarray((denominator > 0).all(axis=1), dtype=bool)
        theta_rows = np.where(inside[:, None], theta[d], 0.0)
        scale_rows = np.where(inside[:, None] & valid[d][:, None], 1.0 / np.where(denominator[d] > 0, denominator[d], 1.0), 0.0)
        # Influence of one PSU of the row (before its weight): Σ a_e (Y_e − θ_e A_e) / D_e.
        influence = ((satisfied - theta_rows * answered) * scale_rows) @ a
        weight = rows.weight
        linear = weight * rows.multiplicity * influence
        square = weight * weight * rows.multiplicity * influence * influence
        keep = np.flatnonzero(valid)
        remap = np.full(n_dom, -1, np.int64)
        remap[keep] = np.arange(len(keep))
        row_domain = np.where(inside & valid[d], remap[d], -1)
        scale = StratumScale.of(self.design.n_psu, rows.fpc_factor)
        basis = MomentBasis(rows.stratum, row_domain, linear, square, scale, len(keep))
        se = np.sqrt(basis.variance())
        values = np.clip((theta[keep] @ a) if len(keep) else np.zeros(0), 0.0, 1.0)
        # Counts: a proportion counts its item's answers; a composite every response of the domain.
        if kind == "proportion":
            psu_rows = rows.multiplicity * (answered[:, 0] > 0)
            respondents = rows.multiplicity * answered[:, 0]
        else:
            psu_rows = rows.multiplicity * (rows.responses > 0)
            respondents = rows.multiplicity * rows.responses
        in_kept = row_domain >= 0
        n = np.bincount(row_domain[in_kept], weights=respondents[in_kept], minlength=len(keep))
        sum_w = np.bincount(row_domain[in_kept], weights=(weight * respondents)[in_kept], minlength=len(keep))
        sum_w2 = np.bincount(row_domain[in_kept], weights=(weight * weight * respondents)[in_kept], minlength=len(keep))
        with np.errstate(divide="ignore", invalid="ignore"):
            n_kish = sum_w * sum_w / sum_w2
            n_eff = values * (1 - values) / (se * se)
        df = self._df(row_domain, psu_rows, len(keep))

        def union_df(mask: np.ndarray) -> float:
            chosen = np.flatnonzero(mask)
            return float(self._df(np.where(np.isin(row_domain, chosen), 0, -1), psu_rows, 1)[0])

        return DomainTable(self.labels[keep], values, se, df, n, n_eff, n / n_eff, n_kish, kind, basis, union_df)

    def _df(self, row_domain: np.ndarray, psu_rows: np.ndarray, n_domains: int) -> np.ndarray:
        """R's domain degrees of freedom: PSUs minus strata among the domain's PSUs."""
        used = (row_domain >= 0) & (psu_rows > 0)
        psus = np.bincount(row_domain[used], weights=psu_rows[used], minlength=n_domains)
        # (domain, stratum) pairs as one integer key: np.unique on a flat int64 array is far cheaper than by rows.
        n_strata = self.design.rows.n_strata
        pairs = np.unique(row_domain[used].astype(np.int64) * n_strata + self.design.rows.stratum[used])
        strata = np.bincount(pairs // n_strata, minlength=n_domains) if len(pairs) else np.zeros(n_domains)
        return psus - strata


STATES = 3  # per item: 0 not answered, 1 answered not satisfied, 2 satisfied


def pattern_indicators(patterns: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Answered and satisfied 0/1 indicators (rows × items) of base-3 answer-pattern codes.

    The code of a response is ``Σ_e state_e·3^e`` with ``state_e`` 0 (not answered), 1 (answered, not
    satisfied) or 2 (satisfied): what a ``GROUP BY`` can compute and group on.
    """
    codes = np.asarray(patterns, np.int64)
    if (codes < 0).any() or (codes >= STATES**n_items).any():
        raise ValueError(f"answer-pattern codes must lie in [0, {STATES ** n_items})")
    states = (codes[:, None] // (STATES ** np.arange(n_items))[None, :]) % STATES
    return (states > 0).astype(np.int8), (states == 2).astype(np.int8)
