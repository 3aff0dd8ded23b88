"""Post-stratification, raking and trimming of weights, with R ``survey``'s variance.

Calibration works on *cells*: the cross-classification of every calibration variable. All calibration
factors are constant within a cell, so weights, variance adjustments and the totals a database returns
(grouped by cell) carry the same information as the rows.

Variance, as R's ``svyrecvar`` (influence values ``x``, weights ``psw`` after the step):

* post-stratification (``postStratify``): ``x ← x − psw · (Σ_g x / Σ_g psw)`` within each post-stratum;
* raking (``rake``): ten sweeps over the margins of ``x ← x − psw · mean_g(x / psw)`` (an unweighted
  mean over rows, as R), with ``psw`` the weights after that margin in the last raking iteration.

Writing ``x_i = w_i (u_i + c_cell)``, each step only changes the per-cell constants ``c``; the final
cluster totals are ``Σ w u + Σ_cell W_{cluster,cell} c_cell``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse

from stats.labels import factorize

RAKE_VARIANCE_SWEEPS = 10  # fixed in R's svyrecvar


@dataclass(frozen=True)
class Margin:
    category: np.ndarray  # category code of every cell
    ratio: np.ndarray     # weight when this margin was applied ÷ final weight, per cell

    def rescaled(self, factor: np.ndarray) -> "Margin":
        return Margin(self.category, self.ratio / factor)

    def indicator(self) -> sparse.csr_matrix:
        cells = len(self.category)
        return sparse.csr_matrix((np.ones(cells), (self.category, np.arange(cells))),
                                 shape=(int(self.category.max()) + 1, cells))


@dataclass(frozen=True)
class Step:
    kind: str  # "post", "rake" or "greg"
    margins: tuple[Margin, ...]
    model: np.ndarray | None = None  # greg: the model matrix per cell (cells × columns)
    g: np.ndarray | None = None      # greg: this step's factor per cell


@dataclass(frozen=True)
class Calibration:
    """Final weight ÷ design weight per cell, and the steps that produced it."""

    factor: np.ndarray
    steps: tuple[Step, ...] = ()

    @classmethod
    def none(cls, n_cells: int) -> "Calibration":
        return cls(np.ones(n_cells))

    def expanded(self, old_of_new: np.ndarray) -> "Calibration":
        """The same calibration on a refinement of the cells (``old_of_new`` maps new to old cells)."""
        steps = tuple(Step(s.kind, tuple(Margin(m.category[old_of_new], m.ratio[old_of_new]) for m in s.margins),
                           None if s.model is None else s.model[old_of_new], None if s.g is None else s.g[old_of_new])
                      for s in self.steps)
        return Calibration(self.factor[old_of_new], steps)

    def then(self, step_factor: np.ndarray, step: Step) -> "Calibration":
        earlier = tuple(replace(s, margins=tuple(m.rescaled(step_factor) for m in s.margins)) for s in self.steps)
        return Calibration(self.factor * step_factor, earlier + (step,))

    @property
    def needs_unweighted(self) -> bool:
        return any(s.kind == "rake" for s in self.steps)


def _categories(labels_per_cell: np.ndarray, population: Mapping[Any, float], name: str,
                cell_weight: np.ndarray, partial: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Category code per cell and population total per category, checked against the sample.

    Population groups without sample rows are an error unless ``partial`` (R's ``partial=TRUE``): then
    they are ignored, and the calibrated weights sum to the population of the groups sampled only.
    """
    codes, uniques = factorize(labels_per_cell)
    sample_labels = uniques.tolist()
    present = np.bincount(codes, weights=cell_weight, minlength=len(uniques)) > 0
    missing = [label for label, here in zip(sample_labels, present) if here and label not in population]
    if missing:
        raise ValueError(f"{name}: groups {missing[:5]} are in the sample but have no population total")
    in_sample = set(sample_labels)
    absent = [label for label in population if label not in in_sample]
    if absent and not partial:
        raise ValueError(f"{name}: population groups {absent[:5]} have no sample rows (partial=True ignores them)")
    totals = np.array([float(population.get(label, 0.0)) for label in sample_labels])
    bad = [label for label, t, here in zip(sample_labels, totals, present) if here and not (np.isfinite(t) and t > 0)]
    if bad:
        raise ValueError(f"{name}: population totals for {bad[:5]} must be positive numbers")
    return codes, totals


def _poststratify_factor(codes: np.ndarray, totals: np.ndarray, cell_weight: np.ndarray) -> np.ndarray:
    estimated = np.bincount(codes, weights=cell_weight, minlength=len(totals))
    return np.divide(totals, estimated, out=np.ones_like(totals), where=estimated > 0)[codes]


def poststratify(calibration: Calibration, base_weight: np.ndarray, labels_per_cell: np.ndarray,
                 population: Mapping[Any, float], name: str = "poststratify", partial: bool = False) -> Calibration:
    """R ``postStratify``: scale weights in each group to its population count (``partial``: population
    groups absent from the sample are ignored, as R's ``partial=TRUE``)."""
    current = base_weight * calibration.factor
    codes, totals = _categories(labels_per_cell, population, name, current, partial)
    factor = _poststratify_factor(codes, totals, current)
    return calibration.then(factor, Step("post", (Margin(codes, np.ones(len(codes))),)))


def rake(calibration: Calibration, base_weight: np.ndarray, margins: Mapping[str, tuple[np.ndarray, Mapping]],
         max_iter: int = 10, tol: float = 1.0) -> Calibration:
    """R ``rake``: post-stratify to each margin in turn until the joint table of the margin variables
    moves by less than ``tol`` (``tol < 1`` is relative to the sum of the weights, as R's ``epsilon``).

    ``margins`` maps a name to ``(labels per cell, population totals)``.
    """
    if not margins:
        raise ValueError("rake needs at least one margin")
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, got {max_iter}")
    start = base_weight * calibration.factor
    epsilon = tol * start.sum() if tol < 1 else tol
    parsed = [(_categories(labels, population, name, start)) for name, (labels, population) in margins.items()]
    joint = factorize(np.ravel_multi_index([codes for codes, _ in parsed],
                                           [int(codes.max()) + 1 for codes, _ in parsed]))[0]
    factor = np.ones(len(start))
    old_table = np.bincount(joint, weights=start)
    converged = False
    for _ in range(max_iter):
        after_margin = []
        for codes, totals in parsed:
            factor = factor * _poststratify_factor(codes, totals, start * factor)
            after_margin.append(factor.copy())
        new_table = np.bincount(joint, weights=start * factor)
        delta = np.abs(old_table - new_table).max()
        old_table = new_table
        if delta < epsilon:
            converged = True
            break
    if not converged:
        warnings.warn(f"raking did not converge after {max_iter} iterations", RuntimeWarning, stacklevel=3)
    step = Step("rake", tuple(Margin(codes, psw / factor) for (codes, _), psw in zip(parsed, after_margin)))
    return calibration.then(factor, step)


# Strict trimming that has not settled after this many rounds is oscillating (it converges in a few).
MAX_TRIM_ROUNDS = 1000


def trim(weights: np.ndarray, upper: float | None, lower: float | None, strict: bool = False) -> np.ndarray:
    """R ``trimWeights``: clip to ``[lower, upper]`` and share the trimmed amount equally among the rows
    that were not clipped; ``strict`` repeats until no weight is outside the bounds.

    Trimming keeps the sum of the weights, so a strict bound on the wrong side of the mean weight can
    never be met: the trimmed amount would move back and forth for ever (R recurses until its stack
    overflows). That, and any strict trimming that does not settle, is a ValueError.
    """
    upper = np.inf if upper is None else float(upper)
    lower = -np.inf if lower is None else float(lower)
    if not lower < upper:
        raise ValueError(f"trim needs lower < upper, got lower={lower}, upper={upper}")
    if strict and weights.size:
        mean = float(weights.sum()) / weights.size
        slack = 1e-12 * max(abs(mean), 1.0)
        if mean > upper + slack or mean < lower - slack:
            raise ValueError(f"strict trimming to [{lower}, {upper}] is impossible: trimming keeps the sum of the "
                             f"weights, and their mean weight {mean:g} lies outside the bounds")
    for _ in range(MAX_TRIM_ROUNDS):
        outside = (weights < lower) | (weights > upper)
        if not outside.any():
            return weights
        if outside.all():
            raise ValueError(f"every weight is outside [{lower}, {upper}]: nothing to redistribute to")
        clipped = np.clip(weights, lower, upper)
        clipped[~outside] += (weights - clipped).sum() / (~outside).sum()
        weights = clipped
        if not strict:
            return weights
    raise ValueError(f"strict trimming to [{lower}, {upper}] did not settle after {MAX_TRIM_ROUNDS} rounds "
                     "(the bounds are too close to the mean weight)")


def adjusted_influence(calibration: Calibration, cell: np.ndarray, cluster: np.ndarray, domain: np.ndarray,
                       weight: np.ndarray, rows: np.ndarray, weighted_u: np.ndarray, plain_u: np.ndarray | None,
                       shape: tuple[int, int]) -> sparse.csc_matrix:
    """Cluster × domain totals of influence values after the calibration steps.

    Arrays are per group; ``weight`` are final weights, ``weighted_u``/``plain_u`` the weighted and
    unweighted sums of the influence scores ``u`` of the group's own domain.
    """
    n_clusters, n_domains = shape
    base = sparse.csc_matrix((weighted_u, (cluster, domain)), shape=shape)
    if not calibration.steps:
        return base
    n_cells = len(calibration.factor)
    u_weighted = sparse.csr_matrix((weighted_u, (cell, domain)), shape=(n_cells, n_domains))
    cell_weight = np.bincount(cell, weights=weight, minlength=n_cells)
    constants = sparse.csr_matrix((n_cells, n_domains))
    for step in calibration.steps:
        if step.kind == "post":
            margin = step.margins[0]
            p = margin.indicator()
            adjusted = u_weighted + sparse.diags(cell_weight) @ constants
            per_category = p @ (margin.ratio * cell_weight)
            means = sparse.diags(_safe_inverse(per_category)) @ (p @ adjusted)
            constants = constants - sparse.diags(margin.ratio) @ (p.T @ means)
        elif step.kind == "greg":
            constants = constants - _greg_constants(step, u_weighted + sparse.diags(cell_weight) @ constants,
                                                    cell_weight)
        else:
            if plain_u is None:
                raise ValueError("the variance after raking needs the unweighted sums 'plain' and 'count'")
            u_plain = sparse.csr_matrix((plain_u, (cell, domain)), shape=(n_cells, n_domains))
            cell_rows = np.bincount(cell, weights=rows, minlength=n_cells)
            for _ in range(RAKE_VARIANCE_SWEEPS):
                for margin in step.margins:
                    p = margin.indicator()
                    scaled = sparse.diags(1.0 / margin.ratio) @ (u_plain + sparse.diags(cell_rows) @ constants)
                    means = sparse.diags(_safe_inverse(p @ cell_rows)) @ (p @ scaled)
                    constants = constants - sparse.diags(margin.ratio) @ (p.T @ means)
    cluster_cell = sparse.csr_matrix((weight, (cluster, cell)), shape=(n_clusters, n_cells))
    return sparse.csc_matrix(base + cluster_cell @ constants)


def _greg_constants(step: Step, adjusted: sparse.spmatrix, cell_weight: np.ndarray) -> sparse.csr_matrix:
    """R's ``greg_calibration`` variance step, per cell: ``x ← x − g·w·Mβ`` with ``β`` the regression of
    ``x/(g√w)`` on ``M√w`` (``w`` the weights before the step), as ``qr.resid(qr, x/w)·w`` in svyrecvar.

    ``adjusted`` holds, per cell and domain, the sums of the current influence values (final weights).
    """
    model, g, ratio = step.model, step.g, step.margins[0].ratio
    assert model is not None and g is not None
    before = cell_weight * ratio  # weights before the step, per cell
    gram = model.T @ (before[:, None] * model)
    rhs = np.asarray((sparse.csr_matrix(model.T) @ sparse.diags(1.0 / g) @ adjusted).todense())
    beta = np.linalg.pinv(gram, rcond=256 * np.finfo(float).eps) @ rhs
    return sparse.csr_matrix((ratio * g)[:, None] * (model @ beta))


CALFUNS = ("linear", "raking")


def margin_model(margins: Mapping[str, tuple[np.ndarray, Mapping[Any, float]]],
                 cell_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``model.matrix(~a + b + ...)`` per cell and its population totals, from margins
    ``{name: (label per cell, {level: population count})}``: an intercept (the first margin's total),
    then one column per level but the first (sorted, as R's factor levels) of each margin."""
    columns = [np.ones(len(cell_weight))]
    population: list[float] = []
    for name, (labels, totals) in margins.items():
        codes, level_totals = _categories(labels, totals, name, cell_weight)
        if not population:
            population.append(float(sum(float(v) for v in totals.values())))
        columns += [(codes == k).astype(float) for k in range(1, len(level_totals))]
        population += level_totals[1:].tolist()
    return np.column_stack(columns), np.array(population, float)


def _calfun(kind: str, u: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """R's ``cal.linear`` / ``cal.raking``: ``g − 1`` and its derivative at ``u = Mη``."""
    inside = ((u < upper - 1) & (u > lower - 1)).astype(float)  # R's dF compares u itself, for both
    if kind == "linear":
        return np.minimum(np.maximum(u + 1, lower), upper) - 1, inside
    with np.errstate(over="ignore"):
        e = np.exp(u)
    return np.minimum(np.maximum(e, lower), upper) - 1, np.where(inside > 0, e, 0.0)


def greg(calibration: Calibration, base_weight: np.ndarray, model: np.ndarray, population: np.ndarray,
         calfun: str = "linear", bounds: tuple[float, float] = (-np.inf, np.inf), max_iter: int = 50,
         epsilon: float = 1e-7) -> Calibration:
    """R ``calibrate``: factors ``g = 1 + F(Mη)`` per cell so that ``Σ g w M = population``, found by
    R's Newton iteration (``grake``), with ``F`` linear (GREG) or exponential (raking) and ``g`` kept
    within ``bounds``. ``model`` is the model matrix per cell; a calibration that does not converge in
    ``max_iter`` iterations is a ValueError, as R's "Calibration failed".
    """
    if calfun not in CALFUNS:
        raise ValueError(f"calfun must be one of {', '.join(CALFUNS)}, got {calfun!r}")
    lower, upper = (float(b) for b in bounds)
    if not lower < upper or lower > 1 or upper < 1:
        raise ValueError(f"bounds on g must satisfy lower ≤ 1 ≤ upper, got {bounds}")
    ww = base_weight * calibration.factor
    sample = model.T @ ww
    if np.any(sample == 0):
        raise ValueError("a calibration column has no sample weight: its group is absent from the sample")
    scales = population / sample
    scale = float(np.mean(scales)) if np.min(scales) > 20 else None  # R rescales weights far below the totals
    if scale is not None:
        ww, sample = ww * scale, sample * scale
    eta = np.zeros(model.shape[1])
    iteration = 1
    while True:
        fm1, deriv = _calfun(calfun, model @ eta, lower, upper)
        tmat = model.T @ ((ww * deriv)[:, None] * model)
        misfit = population - sample - model.T @ (ww * fm1)
        delta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + delta
        fm1, deriv = _calfun(calfun, model @ eta, lower, upper)
        while iteration < max_iter and not (np.isfinite(fm1).all() and np.isfinite(deriv).all()):
            iteration += 1
            delta = delta / 2
            eta = eta - delta
            fm1, deriv = _calfun(calfun, model @ eta, lower, upper)
        misfit = population - sample - model.T @ (ww * fm1)
        if np.all(np.abs(misfit) / (1 + np.abs(population)) < epsilon):
            break
        iteration += 1
        if iteration > max_iter:
            achieved = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
            raise ValueError(f"calibration failed: relative misfit {achieved:.3g} after {max_iter} iterations "
                             f"(bounds {bounds} may be too tight for these totals)")
    g = 1 + fm1
    if scale is not None:
        g = g * scale
    step = Step("greg", (Margin(np.zeros(len(g), np.int64), 1.0 / g),), model, g)
    return calibration.then(g, step)


def _safe_inverse(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, float).reshape(-1)
    return np.divide(1.0, values, out=np.zeros_like(values), where=values != 0)


def refine(cell: np.ndarray, n_cells: int, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells crossed with a new variable: new cell per row, old cell and new label per new cell."""
    codes, uniques = factorize(labels)
    new_cell, keys = factorize(cell.astype(np.int64) * len(uniques) + codes)
    return new_cell, keys // len(uniques), uniques[keys % len(uniques)]

