"""Satisfaction indices of an instrument: element indices, the composite, overall, 0-100 scores.

The index definition is plain data (an :class:`IndexSpec`, or the mapping an instrument's index
definition exports), so this module knows nothing of how instruments are stored.

- **Element index** Iₑ: weighted share satisfied among respondents who rated element e. An element
  fed by several rating items takes, per respondent, the share of the items they rated that they
  rated satisfied; with one item (the SIPAS case) that is the 0/1 satisfied indicator. A
  respondent who rated none of the element's items is non-response for that element only.
- **Composite index** Σ aₑIₑ with the element weights scaled to sum to 1, its standard error
  linearised by the design over all elements at once (``Design.composite``).
- **Overall index**: the share satisfied on the overall-satisfaction item.
- **Mean-score index** per item: 100·(mean − min)/(max − min), i.e. 100·(mean − 1)/4 on 1-5.

Every figure is estimated on the whole design, or for each domain of the design (unit, commune,
province, period, procedure, channel) as a domain of the full design.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from stats.estimate import DomainTable, Estimate
from stats.estimate_arrays import EstimateArrays, estimate_arrays

if TYPE_CHECKING:
    from stats.design import Design

DEFAULT_SATISFIED = (4, 5)


@dataclass(frozen=True)
class ElementSpec:
    key: str
    weight: float
    item_codes: tuple[str, ...]
    # None: the index's own satisfied values.
    satisfied_values: tuple[int, ...] | None = None


@dataclass(frozen=True)
class IndexSpec:
    elements: tuple[ElementSpec, ...]
    satisfied_values: tuple[int, ...] = DEFAULT_SATISFIED
    overall_item: str | None = None
    scale_min: int = 1
    scale_max: int = 5

    def __post_init__(self) -> None:
        if not self.elements:
            raise ValueError("an index needs at least one element")
        keys = [e.key for e in self.elements]
        if len(set(keys)) != len(keys):
            raise ValueError(f"element keys repeat: {keys}")
        for element in self.elements:
            if not element.item_codes:
                raise ValueError(f"element {element.key!r} has no rating items")
            if not (np.isfinite(element.weight) and element.weight > 0):
                raise ValueError(f"element {element.key!r} needs a positive weight, got {element.weight}")
        if not self.scale_min < self.scale_max:
            raise ValueError(f"scale_min {self.scale_min} must be below scale_max {self.scale_max}")
        for values in [self.satisfied_values] + [e.satisfied_values for e in self.elements if e.satisfied_values]:
            if not values or any(not self.scale_min <= v <= self.scale_max for v in values):
                raise ValueError(f"satisfied values {values} are not on the scale {self.scale_min}-{self.scale_max}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> IndexSpec:
        """From plain data: ``elements`` (each ``key``, ``weight``, ``item_codes``, optionally
        ``satisfied_values``), ``satisfied_values``, ``overall_item``, ``scale_min``, ``scale_max``."""
        try:
            elements = tuple(
                ElementSpec(
                    key=str(e["key"]),
                    weight=float(e.get("weight", 1.0)),
                    item_codes=tuple(e["item_codes"]),
                    satisfied_values=tuple(e["satisfied_values"]) if e.get("satisfied_values") else None,
                )
                for e in data["elements"]
            )
        except (KeyError, TypeError) as problem:
            raise ValueError(f"index definition element is missing or malformed: {problem}") from None
        return cls(
            elements=elements,
            satisfied_values=tuple(data.get("satisfied_values") or DEFAULT_SATISFIED),
            overall_item=data.get("overall_item"),
            scale_min=int(data.get("scale_min", 1)),
            scale_max=int(data.get("scale_max", 5)),
        )

    @property
    def element_weights(self) -> np.ndarray:
        weights = np.array([e.weight for e in self.elements], dtype=float)
        return weights / weights.sum()

    @property
    def rating_items(self) -> tuple[str, ...]:
        codes = [code for e in self.elements for code in e.item_codes]
        if self.overall_item:
            codes.append(self.overall_item)
        return tuple(dict.fromkeys(codes))


def _checked_answers(
    spec: IndexSpec, answers: Mapping[str, np.ndarray], n_rows: int, codes: Sequence[str]
) -> dict[str, np.ndarray]:
    checked = {}
    for code in codes:
        if code not in answers:
            raise ValueError(f"answers has no column for item {code!r}")
        column = np.asarray(answers[code], dtype=float)
        if column.shape != (n_rows,):
            raise ValueError(f"item {code!r} has {column.size} answers but the design has {n_rows} rows")
        given = column[~np.isnan(column)]
        off_scale = (given < spec.scale_min) | (given > spec.scale_max) | (given != np.round(given))
        if off_scale.any():
            raise ValueError(
                f"item {code!r} has answers off the {spec.scale_min}-{spec.scale_max} scale, e.g. {given[off_scale][0]:g}"
            )
        checked[code] = column
    return checked


def element_indicators(spec: IndexSpec, answers: Mapping[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray]:
    """Per respondent and element: share of the element's rated items rated satisfied (NaN if none)."""
    return _indicators(spec, _checked_answers(spec, answers, n_rows, spec.rating_items))


def _indicators(spec: IndexSpec, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    indicators = {}
    for element in spec.elements:
        values = np.column_stack([columns[code] for code in element.item_codes])
        rated = ~np.isnan(values)
        satisfied = np.isin(values, element.satisfied_values or spec.satisfied_values) & rated
        with np.errstate(invalid="ignore", divide="ignore"):
            indicators[element.key] = satisfied.sum(axis=1) / rated.sum(axis=1)
    return indicators


def satisfied_indicator(spec: IndexSpec, column: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(column), np.nan, np.isin(column, spec.satisfied_values).astype(float))


@dataclass(frozen=True)
class Figure:
    """One estimate as plain numbers, ready for a table cell or JSON."""

    value: float
    se: float
    lower: float
    upper: float
    df: float
    n: int
    n_eff: float

    def to_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _figure(arrays: EstimateArrays, i: int) -> Figure:
    return Figure(
        value=float(arrays.value[i]),
        se=float(arrays.se[i]),
        lower=float(arrays.lower[i]),
        upper=float(arrays.upper[i]),
        df=float(arrays.df[i]),
        n=int(arrays.n[i]) if np.isfinite(arrays.n[i]) else 0,
        n_eff=float(arrays.n_eff[i]),
    )


@dataclass(frozen=True)
class IndexResult:
    """All indices of one domain (``domain`` None for the whole design)."""

    domain: Hashable | None
    elements: dict[str, Figure]
    composite: Figure
    overall: Figure | None
    mean_scores: dict[str, Figure]

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "composite": self.composite.to_dict(),
            "elements": {key: f.to_dict() for key, f in self.elements.items()},
            "overall": self.overall.to_dict() if self.overall else None,
            "mean_scores": {code: f.to_dict() for code, f in self.mean_scores.items()},
        }


@dataclass(frozen=True)
class IndexTable:
    """Indices for every domain, as arrays aligned on ``labels`` (NaN where a domain has no answers)."""

    labels: tuple[Hashable, ...]
    composite: EstimateArrays
    elements: dict[str, EstimateArrays]
    overall: EstimateArrays | None
    mean_scores: dict[str, EstimateArrays]
    level: float
    method: str

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, label: Hashable) -> IndexResult:
        i = self.composite.position(label)
        return IndexResult(
            domain=label,
            elements={key: _figure(a, i) for key, a in self.elements.items()},
            composite=_figure(self.composite, i),
            overall=_figure(self.overall, i) if self.overall is not None else None,
            mean_scores={code: _figure(a, i) for code, a in self.mean_scores.items()},
        )

    def records(self) -> list[dict[str, Any]]:
        return [self[label].to_dict() for label in self.labels]


def _aligned(arrays: EstimateArrays, labels: tuple[Hashable, ...]) -> EstimateArrays:
    """The same figures reordered to ``labels``, NaN (and n 0) for domains the table lacks."""
    if arrays.labels == labels:
        return arrays
    where = {label: i for i, label in enumerate(arrays.labels)}
    index = np.array([where.get(label, -1) for label in labels])
    present = index >= 0

    def take(a: np.ndarray, missing: float) -> np.ndarray:
        return np.where(present, a[index.clip(0)], missing)

    columns = {name: take(getattr(arrays, name), np.nan) for name in ("value", "se", "df", "n_eff", "n_kish", "lower", "upper")}
    return EstimateArrays(labels=labels, n=take(arrays.n, 0.0), level=arrays.level, method=arrays.method, **columns)


def _rescaled(arrays: EstimateArrays, scale_min: int, scale_max: int) -> EstimateArrays:
    factor = 100.0 / (scale_max - scale_min)
    return EstimateArrays(
        labels=arrays.labels,
        value=factor * (arrays.value - scale_min),
        se=factor * arrays.se,
        df=arrays.df,
        n=arrays.n,
        n_eff=arrays.n_eff,
        n_kish=arrays.n_kish,
        lower=factor * (arrays.lower - scale_min),
        upper=factor * (arrays.upper - scale_min),
        level=arrays.level,
        method=arrays.method,
    )


def satisfaction_index(
    spec: IndexSpec | Mapping[str, Any],
    answers: Mapping[str, np.ndarray],
    design: Design,
    domain: np.ndarray | Sequence[Hashable] | None = None,
    level: float = 0.95,
    method: str = "beta",
    mean_score_items: Sequence[str] | None = None,
) -> IndexResult | IndexTable:
    """Element, composite, overall and mean-score indices, for the design or by ``domain``.

    ``answers`` maps item codes to float arrays (NaN = not answered), one value per design row.
    ``mean_score_items`` defaults to every rating item of the index. Proportion-type figures take
    the interval ``method``; mean scores take Wald intervals on the design degrees of freedom.
    """
    spec = spec if isinstance(spec, IndexSpec) else IndexSpec.from_mapping(spec)
    n_rows = design.n_rows
    score_items = tuple(mean_score_items) if mean_score_items is not None else spec.rating_items
    columns = _checked_answers(spec, answers, n_rows, tuple(dict.fromkeys(spec.rating_items + score_items)))
    indicators = _indicators(spec, columns)
    if domain is not None:
        domain = np.asarray(domain)
        if domain.shape != (n_rows,):
            raise ValueError(f"domain has {domain.size} labels but the design has {n_rows} rows")
    estimator = design if domain is None else design.by(domain)

    def arrays(estimates: Estimate | DomainTable, interval: str) -> EstimateArrays:
        table = {None: estimates} if isinstance(estimates, Estimate) else estimates
        return _aligned(estimate_arrays(table, level=level, method=interval), labels)

    def element(y: np.ndarray) -> EstimateArrays:
        # A multi-item element's indicator is a share, not 0/1: a mean, with a Wald interval.
        if np.isin(y[~np.isnan(y)], (0.0, 1.0)).all():
            return arrays(estimator.proportion(y), method)
        return arrays(estimator.mean(y), "wald")

    labels = (None,) if domain is None else tuple(np.unique(domain).tolist())
    composite = arrays(estimator.composite(list(indicators.values()), weights=spec.element_weights), method)
    elements = {key: element(y) for key, y in indicators.items()}
    overall = None
    if spec.overall_item:
        overall_y = satisfied_indicator(spec, columns[spec.overall_item])
        overall = arrays(estimator.proportion(overall_y), method)
    scores = {
        code: _rescaled(arrays(estimator.mean(columns[code]), "wald"), spec.scale_min, spec.scale_max)
        for code in score_items
    }
    table = IndexTable(
        labels=labels, composite=composite, elements=elements, overall=overall, mean_scores=scores, level=level, method=method
    )
    return table[None] if domain is None else table
