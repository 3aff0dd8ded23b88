"""Survey designs: rows (:class:`Design`) or cluster totals (:class:`TotalsDesign`), one engine.

Both build :class:`stats.totals.ClusterTotals` and hand them to :class:`stats.estimators.Estimator`, so an
estimate from rows and one from a database ``GROUP BY`` are the same computation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stats import calibration as cal
from stats.estimate import DomainTable, Estimate
from stats.estimators import VARIANCE_METHODS, Estimator, degrees_of_freedom
from stats.labels import combine_codes, decode, factorize
from stats.linearization import StrataSpec
from stats.totals import ClusterTotals, ItemSums
from stats.validation import check_item, check_labels, check_lengths, check_weights


def _single(table: DomainTable) -> Estimate:
    if len(table) == 0:
        raise ValueError("no answered rows with positive weight: the estimate is undefined")
    return table[table.labels[0]]


def _check_variance(variance: str) -> str:
    if variance not in VARIANCE_METHODS:
        raise ValueError(f"variance must be one of {', '.join(VARIANCE_METHODS)}, got {variance!r}")
    return variance


def _fpc_factor(fpc, stratum: np.ndarray, n_strata: int, n_psu: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """``1 − n_h/N_h`` per stratum from R-style ``fpc``: population clusters per stratum, or the sampling
    fraction when every value is at most 1."""
    if fpc is None:
        return None
    fpc = np.asarray(fpc, float)
    if np.isnan(fpc).any() or (fpc <= 0).any():
        raise ValueError("fpc must be positive numbers (population size or sampling fraction) on every row")
    per_stratum = np.zeros(n_strata)
    per_stratum[stratum] = fpc  # one value per stratum; the check below finds strata where it varies
    varies = np.unique(stratum[per_stratum[stratum] != fpc])
    if varies.size:
        raise ValueError(f"fpc varies within stratum {labels[varies][:5].tolist()}")
    if (per_stratum <= 1).all():
        return 1.0 - per_stratum
    small = per_stratum < n_psu
    if small.any():
        raise ValueError(f"fpc (population clusters) is below the sampled clusters in stratum {labels[small][:5].tolist()}")
    return (per_stratum - n_psu) / per_stratum


@dataclass(frozen=True)
class _Cells:
    """Calibration cells of the rows: code per row, label of each calibration variable per cell."""

    code: np.ndarray
    keys: dict[str, np.ndarray]
    calibration: cal.Calibration

    @property
    def count(self) -> int:
        return len(self.calibration.factor)

    def refined(self, name: str, labels: np.ndarray) -> "_Cells":
        new_code, old_of_new, new_labels = cal.refine(self.code, self.count, labels)
        keys = {k: v[old_of_new] for k, v in self.keys.items()}
        keys[name] = new_labels
        return _Cells(new_code, keys, self.calibration.expanded(old_of_new))


class Design:
    """A stratified cluster design on rows.

    ``weights``, ``strata``, ``clusters`` and ``fpc`` are equal-length 1-D arrays; labels may have any
    dtype. Clusters are nested within strata (R ``nest=TRUE``); without ``clusters`` each row is its own
    cluster, without ``strata`` there is one stratum. ``fpc`` is the population number of clusters per
    stratum, or the sampling fraction (all values ≤ 1), repeated on every row, as in R.

    ``lonely_psu`` is R's ``survey.lonely.psu``: ``"fail"`` (a ValueError naming the stratum), ``"adjust"``,
    ``"average"``, ``"certainty"`` or ``"remove"``. ``variance`` is ``"linearization"`` (Taylor,
    with replacement) or the jackknife ``"jk1"`` (unstratified) / ``"jkn"`` (stratified).

    Where this differs from R on purpose:

    * ``"fail"`` refuses the design when it is built; R fails only the estimates that use the lonely
      stratum's rows. A lonely stratum is a design problem, best found once rather than by whichever
      domain happens to touch it (the other options give R's figures for every domain).
    * Rows of weight 0 represent nobody and are not in the sample: they count neither in ``n`` (nor the
      Korn-Graubard n) nor in a calibration's residuals. R keeps them in ``nrow()`` and gives them a
      post-stratification residual; the engine's figures equal R's on the rows of positive weight.
    * ``"average"`` on a domain scales by the strata where the domain has answers, calibrated or not.
      R does so without calibration (and drops a stratum where none of the domain's rows answered, as the
      engine does), but on a calibrated design scales by every stratum of the design.
    """

    def __init__(self, weights, strata=None, clusters=None, fpc=None, *, lonely_psu: str = "fail",
                 variance: str = "linearization") -> None:
        w = check_weights(weights)
        n = len(w)
        check_lengths(n, {"strata": strata, "clusters": clusters, "fpc": fpc})
        if strata is None:
            stratum, stratum_labels = np.zeros(n, np.int64), np.array([None], dtype=object)
        else:
            stratum, stratum_labels = factorize(check_labels(strata, "strata"))
        if clusters is None:
            cluster = np.arange(n, dtype=np.int64)
        else:
            within, within_labels = factorize(check_labels(clusters, "clusters"))
            cluster, _ = combine_codes((stratum, len(stratum_labels)), (within, len(within_labels)))
        n_clusters = int(cluster.max()) + 1
        cluster_stratum = np.zeros(n_clusters, np.int64)
        cluster_stratum[cluster] = stratum
        n_psu = np.bincount(cluster_stratum, minlength=len(stratum_labels))
        factor = _fpc_factor(fpc, stratum, len(stratum_labels), n_psu, stratum_labels)
        self._w0 = w
        self._stratum = stratum
        self._cluster = cluster
        self._n_clusters = n_clusters
        self._spec = StrataSpec.build(stratum_labels, cluster_stratum, factor, lonely_psu)
        self._variance = _check_variance(variance)
        self._cells = _Cells(np.zeros(n, np.int64), {}, cal.Calibration.none(1))

    def _copy(self, **changes: Any) -> "Design":
        other = object.__new__(Design)
        other.__dict__.update(self.__dict__)
        other.__dict__.update({f"_{k}": v for k, v in changes.items()})
        other.__dict__.pop("_weights_cache", None)
        return other

    # --- facts ---------------------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """Final weights (after calibration)."""
        cached = self.__dict__.get("_weights_cache")
        if cached is None:
            factor = self._cells.calibration.factor
            cached = self._w0 if not self._cells.calibration.steps else self._w0 * factor[self._cells.code]
            self.__dict__["_weights_cache"] = cached
        return cached

    @property
    def n_rows(self) -> int:
        return len(self._w0)

    @property
    def degf(self) -> float:
        """R's ``degf``: clusters minus strata among rows of positive weight (jackknife: the rank of the
        replicate weights minus one)."""
        pos = self._w0 > 0
        return float(degrees_of_freedom(self._cluster[pos], np.zeros(pos.sum(), np.int64), 1,
                                        self._spec, self._variance)[0])

    # --- estimates for the whole population ------------------------------------------------------------
    def mean(self, y) -> Estimate:
        return _single(self.by(None).mean(y))

    def total(self, y) -> Estimate:
        return _single(self.by(None).total(y))

    def ratio(self, numerator, denominator) -> Estimate:
        return _single(self.by(None).ratio(numerator, denominator))

    def proportion(self, y) -> Estimate:
        """Weighted share of 1s among answered rows; NaN is item non-response, excluded."""
        return _single(self.by(None).proportion(y))

    def composite(self, items: Sequence, weights=None) -> Estimate:
        """``Σ a_e p_e / Σ a_e`` of element proportions, each over its own respondents."""
        return _single(self.by(None).composite(items, weights))

    def by(self, domain) -> "Domains":
        """Estimates for every value of ``domain`` (domains of the full design, never a subset)."""
        return Domains(self, domain)

    # --- new designs ---------------------------------------------------------------------------------------
    def jackknife(self) -> "Design":
        """The same design with jackknife variance (JK1 without strata, JKn with)."""
        return self._copy(variance="jk1" if len(self._spec.labels) == 1 else "jkn")

    def poststratify(self, groups, totals: Mapping[Any, float], partial: bool = False) -> "Design":
        """R ``postStratify``: weights in each group sum to its population count ``totals[group]``.

        A group of ``totals`` without sample rows is an error, unless ``partial`` (R's ``partial=TRUE``),
        which ignores it: the weights then sum to the population of the sampled groups only.
        """
        name = f"poststratum{len(self._cells.keys)}"
        cells = self._refined(name, groups)
        calibration = cal.poststratify(cells.calibration, self._cell_weight(cells), cells.keys[name], totals,
                                       partial=partial)
        return self._copy(cells=replace(cells, calibration=calibration))

    def rake(self, margins: Mapping[str, tuple[Any, Mapping[Any, float]]], max_iter: int = 10, tol: float = 1.0) -> "Design":
        """R ``rake`` to ``{name: (groups, totals)}`` margins (R's defaults ``maxit=10``, ``epsilon=1``)."""
        cells = self._cells
        names = {}
        for name, (groups, _) in margins.items():
            names[name] = f"rake{len(cells.keys)}:{name}"
            cells = cells.refined(names[name], self._checked_groups(groups, name))
        calibration = cal.rake(cells.calibration, self._cell_weight(cells),
                               {name: (cells.keys[names[name]], population) for name, (_, population) in margins.items()},
                               max_iter, tol)
        return self._copy(cells=replace(cells, calibration=calibration))

    def calibrate(self, margins: Mapping[str, tuple[Any, Mapping[Any, float]]], calfun: str = "linear",
                  bounds: tuple[float, float] = (-np.inf, np.inf), max_iter: int = 50,
                  epsilon: float = 1e-7) -> "Design":
        """R ``calibrate(design, ~a + b, population, calfun=, bounds=)`` to categorical margins
        ``{name: (groups, {level: population count})}``: GREG (``"linear"``) or ``"raking"`` factors ``g``
        within ``bounds``, with R's regression-residual variance. The intercept's total is the first
        margin's; every margin should describe the same population.
        """
        cells = self._cells
        names = {}
        for name, (groups, _) in margins.items():
            names[name] = f"calibrate{len(cells.keys)}:{name}"
            cells = cells.refined(names[name], self._checked_groups(groups, name))
        weight = self._cell_weight(cells) * cells.calibration.factor
        model, population = cal.margin_model(
            {name: (cells.keys[names[name]], totals) for name, (_, totals) in margins.items()}, weight)
        calibration = cal.greg(cells.calibration, self._cell_weight(cells), model, population, calfun, bounds,
                               max_iter, epsilon)
        return self._copy(cells=replace(cells, calibration=calibration))

    def trim(self, upper: float | None = None, lower: float | None = None, strict: bool = False) -> "Design":
        """R ``trimWeights``: clip and share the trimmed amount equally among untrimmed rows."""
        if self._cells.calibration.steps:
            raise ValueError("trim the weights before post-stratifying or raking (calibration keeps its own weights)")
        return self._copy(w0=cal.trim(self.weights, upper, lower, strict))

    def _checked_groups(self, groups, name: str) -> np.ndarray:
        groups = check_labels(groups, name)
        check_lengths(self.n_rows, {name: groups})
        return groups

    def _refined(self, name: str, groups) -> _Cells:
        return self._cells.refined(name, self._checked_groups(groups, name))

    def _cell_weight(self, cells: _Cells) -> np.ndarray:
        return np.bincount(cells.code, weights=self._w0, minlength=cells.count)

    # --- totals ----------------------------------------------------------------------------------------------
    def cluster_totals(self, items: Mapping[str, Any], domain=None, calibration: Mapping[str, Any] | None = None,
                       unweighted: bool = False) -> ClusterTotals:
        """The totals a database ``GROUP BY stratum, cluster, domain, calibration variables`` returns
        (all sums of :mod:`stats.totals`; ``plain`` only with ``unweighted``)."""
        design = self
        for name, groups in (calibration or {}).items():
            design = design._copy(cells=design._refined(name, groups))
        view = Domains(design, domain)
        return view.totals({k: check_item(v, self.n_rows, k, binary=False) for k, v in items.items()},
                           unweighted=unweighted, binary=False)

    @staticmethod
    def from_cluster_totals(totals: ClusterTotals, fpc: Mapping[Any, float] | None = None, *,
                            lonely_psu: str = "fail", variance: str = "linearization") -> "TotalsDesign":
        """A design whose estimates come from cluster totals (e.g. a SQL ``GROUP BY``).

        ``fpc`` maps stratum label to population clusters (or sampling fraction), as in R.
        """
        return TotalsDesign(totals, fpc, lonely_psu=lonely_psu, variance=variance)


def cluster_totals_from_rows(weights, strata=None, clusters=None, domain=None,
                             items: Mapping[str, Any] | None = None, calibration: Mapping[str, Any] | None = None,
                             unweighted: bool = False) -> ClusterTotals:
    """The totals a database ``GROUP BY`` computes, from row arrays (what tests compare the SQL with).

    It lives here, not on :class:`ClusterTotals`, so that ``stats.totals`` never imports the designs
    built on it.
    """
    design = Design(weights, strata, clusters, lonely_psu="certainty")
    return design.cluster_totals(items or {}, domain=domain, calibration=calibration, unweighted=unweighted)


class Domains:
    """Estimates by domain on a row-level design (built by :meth:`Design.by`).

    Each method returns a :class:`DomainTable`. Several items of one report are faster through
    :meth:`estimator`, which sums them once.
    """

    def __init__(self, design: Design, domain) -> None:
        self._design = design
        n = design.n_rows
        if domain is None:
            self._code, self._labels = np.zeros(n, np.int64), np.array([None], dtype=object)
        else:
            domain = check_labels(domain, "domain")
            check_lengths(n, {"domain": domain})
            self._code, self._labels = factorize(domain)
        self._groups: tuple | None = None
        self._group3: np.ndarray | None = None

    def _group_index(self) -> tuple:
        """Group per row for (cluster, domain, cell), and the parts of each group; computed once."""
        if self._groups is None:
            d = self._design
            n_cells = d._cells.count
            inner = self._code * n_cells + d._cells.code if n_cells > 1 else self._code
            per_cluster = np.zeros(d._n_clusters, np.int64)
            per_cluster[d._cluster] = inner
            if np.array_equal(per_cluster[d._cluster], inner):
                # Domains nested in clusters (a counter lies in one commune): the cluster is the group.
                group, cluster = d._cluster, np.arange(d._n_clusters)
                domain, cell = per_cluster // n_cells, per_cluster % n_cells
            else:
                sizes = [d._n_clusters, len(self._labels), n_cells]
                group, keys = combine_codes((d._cluster, sizes[0]), (self._code, sizes[1]), (d._cells.code, sizes[2]))
                cluster, domain, cell = decode(keys, sizes)
            w = d.weights
            n_groups = len(cluster)
            w_sq = w * w
            positive = w > 0
            all_positive = bool(positive.all())
            rows = np.bincount(group, weights=None if all_positive else positive, minlength=n_groups).astype(float)
            weight = np.bincount(group, weights=w, minlength=n_groups)
            weight_sq = np.bincount(group, weights=w_sq, minlength=n_groups)
            self._groups = (group, cluster, domain, cell, rows, weight, weight_sq, w_sq,
                            None if all_positive else positive)
        return self._groups

    def totals(self, items: Mapping[str, np.ndarray], unweighted: bool, binary: bool) -> ClusterTotals:
        """Cluster totals of checked item arrays (NaN = no answer)."""
        d = self._design
        group, cluster, domain, cell, rows, weight, weight_sq, w_sq, positive = self._group_index()
        w = d.weights
        n_groups = len(rows)

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=values, minlength=n_groups)

        sums = {}
        for name, y in items.items():
            if binary:
                sums[name] = self._binary_sums(y, unweighted)
                continue
            answered = ~np.isnan(y)
            counted = answered if positive is None else answered & positive
            y0 = np.where(answered, y, 0.0)
            wy = w * y0
            sums[name] = ItemSums(total(w * answered), total(wy), total(w_sq * answered), total(counted),
                                  total(wy * y0), total(np.where(counted, y, 0.0)) if unweighted else None)
        return ClusterTotals(d._spec.cluster_stratum[cluster], cluster, domain, cell, rows, weight, weight_sq, sums,
                             d._spec.labels, self._labels, d._n_clusters, d._cells.keys)

    def _binary_sums(self, y: np.ndarray, unweighted: bool) -> ItemSums:
        """Sums of a 0/1 item in three bincounts: each row goes to (group, 0 / 1 / no answer)."""
        group, *_, w_sq, positive = self._group_index()
        if self._group3 is None:
            self._group3 = group * 3
        key = self._group3 + ((y == 1.0).view(np.int8) + 2 * np.isnan(y).view(np.int8))
        size = 3 * len(self._groups[4])
        by_weight = np.bincount(key, weights=self._design.weights, minlength=size).reshape(-1, 3)
        by_square = np.bincount(key, weights=w_sq, minlength=size).reshape(-1, 3)
        by_rows = np.bincount(key, weights=positive, minlength=size).reshape(-1, 3).astype(float)
        weighted = by_weight[:, 1]
        return ItemSums(by_weight[:, 0] + weighted, weighted, by_square[:, 0] + by_square[:, 1],
                        by_rows[:, 0] + by_rows[:, 1], weighted, by_rows[:, 1] if unweighted else None)

    def estimator(self, items: Mapping[str, Any], proportions: bool = True) -> Estimator:
        """Totals of several named items computed once, for many estimates (e.g. five element
        proportions and their composite): its methods take item names and return tables."""
        return self._estimator(items, binary=proportions)

    def _estimator(self, items: Mapping[str, Any], binary: bool) -> Estimator:
        d = self._design
        checked = {k: check_item(v, d.n_rows, k, binary) for k, v in items.items()}
        totals = self.totals(checked, d._cells.calibration.needs_unweighted, binary)
        return Estimator(totals, d._spec, d._cells.calibration, d._variance)

    def mean(self, y) -> DomainTable:
        return self._estimator({"y": y}, binary=False).mean("y")

    def total(self, y) -> DomainTable:
        return self._estimator({"y": y}, binary=False).total("y")

    def proportion(self, y) -> DomainTable:
        return self._estimator({"y": y}, binary=True).proportion("y")

    def ratio(self, numerator, denominator) -> DomainTable:
        n = self._design.n_rows
        num = check_item(numerator, n, "numerator", binary=False)
        den = check_item(denominator, n, "denominator", binary=False)
        # As R's svyratio with na.rm: a row counts only when both parts are present.
        both = ~(np.isnan(num) | np.isnan(den))
        items = {"numerator": np.where(both, num, np.nan), "denominator": np.where(both, den, np.nan)}
        return self._estimator(items, binary=False).ratio("numerator", "denominator")

    def composite(self, items: Sequence, weights=None) -> DomainTable:
        """Elements are 0/1 indicators or, for an element fed by several rating items, each respondent's
        share of them rated satisfied: any value in [0, 1] (NaN: no answer to the element)."""
        n = self._design.n_rows
        names = [f"element{i}" for i in range(len(items))]
        checked = {name: check_item(y, n, name, binary=False) for name, y in zip(names, items)}
        for name, y in checked.items():
            given = y[~np.isnan(y)]
            if ((given < 0) | (given > 1)).any():
                raise ValueError(f"{name} must be a share in [0, 1] (or NaN for no answer) for a composite")
        binary = all(np.isin(y[~np.isnan(y)], (0.0, 1.0)).all() for y in checked.values())
        return self._estimator(checked, binary=binary).composite(names, weights)


class TotalsDesign:
    """A design given by :class:`ClusterTotals`; items are referred to by name.

    ``mean``/``proportion``/... estimate over all domains of the totals together; :meth:`by` gives the
    :class:`Estimator` whose methods return a :class:`DomainTable` over the totals' domains.
    """

    def __init__(self, totals: ClusterTotals, fpc: Mapping[Any, float] | None = None, *, lonely_psu: str = "fail",
                 variance: str = "linearization", calibration: cal.Calibration | None = None) -> None:
        cluster_stratum = np.zeros(totals.n_clusters, np.int64)
        cluster_stratum[totals.cluster] = totals.stratum
        labels = totals.stratum_labels
        factor = None
        if fpc is not None:
            missing = [s for s in labels.tolist() if s not in fpc]
            if missing:
                raise ValueError(f"fpc has no value for stratum {missing[:5]}")
            per_stratum = np.array([float(fpc[s]) for s in labels.tolist()])
            n_psu = np.bincount(cluster_stratum, minlength=len(labels))
            # One "row" per stratum: the same checks as for row-level fpc.
            factor = _fpc_factor(per_stratum, np.arange(len(labels)), len(labels), n_psu, labels)
        self.totals = totals
        self._spec = StrataSpec.build(labels, cluster_stratum, factor, lonely_psu)
        self._variance = _check_variance(variance)
        self._calibration = calibration or cal.Calibration.none(totals.n_cells)

    def _with(self, **changes: Any) -> "TotalsDesign":
        other = object.__new__(TotalsDesign)
        other.__dict__.update(self.__dict__)
        other.__dict__.update({f"_{k}": v for k, v in changes.items()})
        return other

    def _estimator(self, overall: bool) -> Estimator:
        totals = self.totals.scaled(self._calibration.factor) if self._calibration.steps else self.totals
        return Estimator(totals.collapsed_domains() if overall else totals, self._spec, self._calibration,
                         self._variance)

    def by(self) -> Estimator:
        """Estimators over the domains of the totals; each method returns a :class:`DomainTable`."""
        return self._estimator(overall=False)

    def mean(self, item: str) -> Estimate:
        return _single(self._estimator(True).mean(item))

    def total(self, item: str) -> Estimate:
        return _single(self._estimator(True).total(item))

    def proportion(self, item: str) -> Estimate:
        return _single(self._estimator(True).proportion(item))

    def ratio(self, numerator: str, denominator: str) -> Estimate:
        return _single(self._estimator(True).ratio(numerator, denominator))

    def composite(self, items: Sequence[str], weights=None) -> Estimate:
        return _single(self._estimator(True).composite(list(items), weights))

    def jackknife(self) -> "TotalsDesign":
        return self._with(variance="jk1" if len(self._spec.labels) == 1 else "jkn")

    def _cell_weight(self) -> np.ndarray:
        return np.bincount(self.totals.cell, weights=self.totals.weight, minlength=self.totals.n_cells)

    def _keys(self, name: str) -> np.ndarray:
        try:
            return self.totals.cell_keys[name]
        except KeyError:
            raise ValueError(f"calibration variable {name!r} is not in the totals' GROUP BY "
                             f"(have: {', '.join(self.totals.cell_keys) or 'none'})") from None

    def poststratify(self, name: str, totals: Mapping[Any, float], partial: bool = False) -> "TotalsDesign":
        """:meth:`Design.poststratify` on the calibration variable ``name`` of the totals."""
        calibration = cal.poststratify(self._calibration, self._cell_weight(), self._keys(name), totals,
                                       partial=partial)
        return self._with(calibration=calibration)

    def rake(self, margins: Mapping[str, Mapping[Any, float]], max_iter: int = 10, tol: float = 1.0) -> "TotalsDesign":
        calibration = cal.rake(self._calibration, self._cell_weight(),
                               {name: (self._keys(name), population) for name, population in margins.items()},
                               max_iter, tol)
        return self._with(calibration=calibration)
