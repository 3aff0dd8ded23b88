"""Estimators on cluster totals: every domain at once, as domains of the full design.

Each estimate is a combination ``Σ a_e N_e/D_e`` of ratios of weighted totals (a total has ``D = 1``,
a mean or proportion ``D = Σw`` over the item's respondents). Its influence value in a group is
``Σ a_e (N_e,g − θ_e D_e,g)/D_e``; linearization sums these per cluster, the jackknife recomputes the
ratios with each cluster deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from stats.calibration import Calibration, adjusted_influence
from stats.estimate import BOUNDED_KINDS, DomainTable, estimate_scale, floored
from stats.linearization import LinearizationBasis, StrataSpec
from stats.replicate import ReplicateBasis, ReplicatePlan
from stats.totals import ClusterTotals, ItemSums

VARIANCE_METHODS = ("linearization", "jk1", "jkn")


@dataclass(frozen=True)
class Linear:
    """A weighted total per group, and its unweighted counterpart (for raking's variance)."""

    weighted: np.ndarray
    plain: np.ndarray | None


@dataclass(frozen=True)
class Part:
    coefficient: float
    numerator: Linear
    denominator: Linear | None  # None: a total


def _numerator(item: ItemSums) -> Linear:
    return Linear(item.weighted, item.plain)


def _denominator(item: ItemSums) -> Linear:
    return Linear(item.weight, None if item.plain is None else item.count)


@dataclass(frozen=True)
class Estimator:
    totals: ClusterTotals      # already carrying the calibrated weights
    spec: StrataSpec
    calibration: Calibration
    variance: str = "linearization"

    # --- public estimators ------------------------------------------------------------------------
    def total(self, name: str) -> DomainTable:
        item = self.totals.item(name)
        return self._table([Part(1.0, _numerator(item), None)], "total", answered=item.count)

    def mean(self, name: str) -> DomainTable:
        item = self.totals.item(name)
        return self._table([Part(1.0, _numerator(item), _denominator(item))], "mean", item, item.count)

    def proportion(self, name: str) -> DomainTable:
        item = self.totals.item(name)
        if (item.weighted < -1e-9 * np.abs(item.weight)).any() or (item.weighted > item.weight * (1 + 1e-12) + 1e-300).any():
            raise ValueError(f"item {name!r} is not a 0/1 indicator: its weighted sum exceeds its weight")
        return self._table([Part(1.0, _numerator(item), _denominator(item))], "proportion", item, item.count)

    def ratio(self, numerator: str, denominator: str) -> DomainTable:
        num, den = self.totals.item(numerator), self.totals.item(denominator)
        return self._table([Part(1.0, _numerator(num), _numerator(den))], "ratio", answered=num.count)

    def composite(self, names: list[str], weights=None) -> DomainTable:
        """Weighted mean of element proportions, each over its own respondents (``weights`` are
        normalised to sum to one). A domain where some element has no answer has no composite."""
        if not names:
            raise ValueError("a composite needs at least one element")
        a = np.full(len(names), 1.0) if weights is None else np.asarray(weights, float)
        if a.shape != (len(names),):
            raise ValueError(f"composite has {len(names)} elements but {a.size} weights")
        if not (np.isfinite(a).all() and (a >= 0).all() and a.sum() > 0):
            raise ValueError("composite element weights must be non-negative numbers with a positive sum")
        a = a / a.sum()
        items = [self.totals.item(n) for n in names]
        return self._table([Part(c, _numerator(i), _denominator(i)) for c, i in zip(a, items)], "composite")

    # --- machinery ----------------------------------------------------------------------------------
    def _table(self, parts: list[Part], kind: str, item: ItemSums | None = None,
               answered: np.ndarray | None = None) -> DomainTable:
        """``answered``: rows per group that answered the item (a composite: None, every row counts)."""
        t = self.totals
        n_dom = t.n_domains
        dom = t.domain
        thetas, denominators = [], []
        for part in parts:
            num = np.bincount(dom, weights=part.numerator.weighted, minlength=n_dom)
            den = np.ones(n_dom) if part.denominator is None else \
                np.bincount(dom, weights=part.denominator.weighted, minlength=n_dom)
            with np.errstate(divide="ignore", invalid="ignore"):
                thetas.append(num / den)
            denominators.append(den)
        values = sum(p.coefficient * th for p, th in zip(parts, thetas))
        n = np.bincount(dom, weights=t.rows, minlength=n_dom)
        valid = (n > 0) & np.all([d != 0 for d in denominators], axis=0)
        keep = np.flatnonzero(valid)
        basis = self._basis(parts, thetas, denominators, valid, answered).select(keep)
        values = values[keep]
        if kind in BOUNDED_KINDS:
            values = np.clip(values, 0.0, 1.0)  # Σ a_e of 1s can be 1 + 2e-16 in floating point
        se = floored(np.sqrt(basis.variance()), estimate_scale(kind, values))
        n_eff, deff, n_kish = self._sizes(kind, item, values, se, keep)
        return DomainTable(t.domain_labels[keep], values, se, self._df(keep), n[keep], n_eff, deff, n_kish,
                           kind, basis, lambda mask: self._union_df(keep[mask]))

    def _basis(self, parts: list[Part], thetas: list[np.ndarray], denominators: list[np.ndarray], valid: np.ndarray,
               answered: np.ndarray | None) -> LinearizationBasis | ReplicateBasis:
        if self.variance == "linearization":
            return self._linearized(parts, thetas, denominators, valid, answered)
        return self._jackknife(parts)

    def _linearized(self, parts: list[Part], thetas: list[np.ndarray], denominators: list[np.ndarray],
                    valid: np.ndarray, answered: np.ndarray | None) -> LinearizationBasis:
        t = self.totals

        def influence(field: str) -> np.ndarray | None:
            """Per group: Σ a_e (N_e,g − θ_e D_e,g)/D_e from the weighted (or unweighted) sums."""
            total = np.zeros(len(t.domain))
            for part, theta, den in zip(parts, thetas, denominators):
                num = getattr(part.numerator, field)
                d = None if part.denominator is None else getattr(part.denominator, field)
                if num is None or (part.denominator is not None and d is None):
                    return None
                scale = np.where(valid, part.coefficient / np.where(valid, den, 1.0), 0.0)[t.domain]
                total += scale * (num if d is None else num - np.where(valid, theta, 0.0)[t.domain] * d)
            return total

        plain = influence("plain") if self.calibration.needs_unweighted else None
        z = adjusted_influence(self.calibration, t.cell, t.cluster, t.domain, t.weight, t.rows,
                               influence("weighted"), plain, (t.n_clusters, t.n_domains))
        return LinearizationBasis(z, self._presence(answered), self.spec)

    def _jackknife(self, parts) -> ReplicateBasis:
        t = self.totals
        shape = (t.n_clusters, t.n_domains)
        if self.calibration.steps:
            raise ValueError("jackknife variance of a calibrated design is not supported; use linearization")
        plan = ReplicatePlan.build(self.spec, self.variance)
        result = 0.0
        for part in parts:
            num = plan.totals(sparse.csr_matrix((part.numerator.weighted, (t.cluster, t.domain)), shape=shape), self.spec)
            if part.denominator is not None:
                den = plan.totals(sparse.csr_matrix((part.denominator.weighted, (t.cluster, t.domain)), shape=shape),
                                  self.spec)
                with np.errstate(divide="ignore", invalid="ignore"):
                    num = num / den
            result = result + part.coefficient * num
        return ReplicateBasis(np.asarray(result), plan.rscales, plan.scale)

    def _positive(self) -> np.ndarray:
        return self.totals.rows > 0

    def _presence(self, answered: np.ndarray | None = None) -> sparse.csc_matrix:
        """Strata × domains, 1 where the domain has rows (that answered the item, when ``answered`` is
        given): the strata ``lonely_psu="average"`` counts. R drops the rows without an answer before the
        variance (``na.rm``), so a stratum where none of the domain's rows answered is not counted."""
        t = self.totals
        pos = self._positive() if answered is None else (answered > 0) & self._positive()
        return sparse.csc_matrix((np.ones(pos.sum()), (t.stratum[pos], t.domain[pos])),
                                 shape=(len(self.spec.labels), t.n_domains)).sign()

    def _df(self, keep: np.ndarray) -> np.ndarray:
        """R's degf of each domain (see :func:`degrees_of_freedom`)."""
        t, pos = self.totals, self._positive()
        return degrees_of_freedom(t.cluster[pos], t.domain[pos], t.n_domains, self.spec,
                                  self.variance)[keep]

    def _union_df(self, domains: np.ndarray) -> float:
        t = self.totals
        rows = self._positive() & np.isin(t.domain, domains)
        return float(degrees_of_freedom(t.cluster[rows], np.zeros(rows.sum(), np.int64), 1,
                                        self.spec, self.variance)[0])

    def _sizes(self, kind: str, item: ItemSums | None, values: np.ndarray, se: np.ndarray, keep: np.ndarray):
        """n_eff = s²/se², R's deff and Kish's n, per kept domain."""
        t = self.totals
        nan = np.full(len(keep), np.nan)

        def per_domain(values_per_group: np.ndarray) -> np.ndarray:
            return np.bincount(t.domain, weights=values_per_group, minlength=t.n_domains)[keep]

        if kind == "composite":
            n_kish = np.square(per_domain(t.weight)) / per_domain(t.weight_sq)
            with np.errstate(divide="ignore", invalid="ignore"):
                return _kish_at_bounds(values * (1 - values) / np.square(se), values, se, n_kish), nan, n_kish
        if item is None:
            return nan, nan, nan
        total_weight = per_domain(item.weight)
        n_kish = np.square(total_weight) / per_domain(item.weight_sq)
        if kind == "proportion":
            spread = values * (1.0 - values)
        elif item.weighted_sq is not None:
            spread = per_domain(item.weighted_sq) / total_weight - np.square(values)
        else:
            return nan, nan, n_kish
        answered = per_domain(item.count)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = spread / np.square(se)
            if kind == "proportion":
                n_eff = _kish_at_bounds(n_eff, values, se, n_kish)
            srs = spread * answered / (answered - 1) * (total_weight - answered) / (total_weight * answered)
            deff = np.where((total_weight >= answered) & (answered > 1), np.square(se) / srs, np.nan)
        return n_eff, deff, n_kish


def _kish_at_bounds(n_eff: np.ndarray, values: np.ndarray, se: np.ndarray, n_kish: np.ndarray) -> np.ndarray:
    """At 0 or 1 (or without variance) p(1-p)/se² says nothing; Kish's n stands in, as for the interval."""
    return np.where((values > 0) & (values < 1) & (se > 0), n_eff, n_kish)


def degrees_of_freedom(cluster: np.ndarray, domain: np.ndarray, n_domains: int,
                       spec: StrataSpec, variance: str) -> np.ndarray:
    """R's ``degf`` per domain from the cluster and domain of each row (or group) of positive weight.

    Linearization: clusters minus strata present. Jackknife: the rank of the domain's replicate weights
    minus one (R's ``qr(weights(design, "analysis"))$rank - 1`` on the subset). With the replicates of
    :class:`stats.replicate.ReplicatePlan` that rank is, summed over the strata the domain touches,
    its clusters in a replicated stratum it covers only in part, its clusters minus one in a replicated
    stratum it covers whole, one per lonely cluster under ``adjust`` (its own replicate), plus one when
    some of its rows are in a covered stratum or in a stratum without replicates (sampled whole, or
    lonely under ``certainty``/``remove``/``average``: rows whose replicate weights are all one).
    """
    pairs = np.unique(cluster.astype(np.int64) * n_domains + domain)
    present_cluster, present_domain = pairs // n_domains, pairs % n_domains
    stratum_domain = spec.cluster_stratum[present_cluster].astype(np.int64) * n_domains + present_domain
    strata, counts = np.unique(stratum_domain, return_counts=True)
    strata_stratum, strata_domain = strata // n_domains, strata % n_domains
    if variance == "linearization":
        n_clusters = np.bincount(present_domain, minlength=n_domains)
        return (n_clusters - np.bincount(strata_domain, minlength=n_domains)).astype(float)
    replicated = (spec.n_psu > 1) & (spec.fpc_factor != 0)
    own_replicate = (spec.n_psu == 1) & (spec.fpc_factor != 0) & (spec.lonely_psu == "adjust")
    covered = replicated[strata_stratum] & (counts == spec.n_psu[strata_stratum])
    part = replicated[strata_stratum] & ~covered
    adjusted = own_replicate[strata_stratum]
    flat = ~replicated[strata_stratum] & ~adjusted
    rank = np.bincount(strata_domain, weights=np.where(part | adjusted, counts, 0) + np.where(covered, counts - 1, 0),
                       minlength=n_domains)
    rank += np.bincount(strata_domain, weights=covered | flat, minlength=n_domains) > 0
    return (rank - 1).astype(float)
