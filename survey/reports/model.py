"""The report as plain data: what every renderer (HTML, PDF, XLSX, JSON) shows.

Numbers that do not exist (no answers in a domain) are ``None``, never NaN, so the JSON form is valid
JSON and a renderer shows a dash.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IndexValue:
    """A satisfied share with its design-based standard error and two-sided interval."""

    value: float | None
    se: float | None
    lower: float | None
    upper: float | None
    df: float | None
    n: int
    n_eff: float | None
    n_kish: float | None = None
    interval_note: str | None = None

    @classmethod
    def missing(cls, n: int = 0) -> IndexValue:
        return cls(None, None, None, None, None, n, None)


@dataclass(frozen=True)
class Verdict:
    """Against the target: met / not_met / inconclusive / insufficient_data, from one-sided bounds."""

    verdict: str
    lower_one_sided: float | None
    upper_one_sided: float | None
    further_responses: int | None
    reason: str | None
    weeks: float | None = None  # at the domain's pace of responses in the period, the weeks further_responses take


@dataclass(frozen=True)
class ElementRow:
    key: str
    title: str
    weight: float
    index: IndexValue
    answered: int


@dataclass(frozen=True)
class Change:
    """Current minus previous period, a design-based contrast (counters in both periods covary)."""

    previous_period: str
    previous: IndexValue
    difference: float | None
    se: float | None
    df: float | None
    p_value: float | None
    lower: float | None
    upper: float | None
    significant: bool
    se_if_independent: float | None


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    n: int
    composite: IndexValue
    overall: IndexValue
    verdict: Verdict
    elements: dict[str, IndexValue]


@dataclass(frozen=True)
class RankRow:
    code: str
    name: str
    estimate: float
    n_eff: float
    posterior_mean: float
    lower: float
    upper: float
    rank: int
    rank_lower: int
    rank_upper: int
    prob_top: float
    prob_bottom: float


@dataclass(frozen=True)
class Ranking:
    rows: list[RankRow]
    prior_mean: float | None
    overdispersion: float | None
    fraction: float
    note: str | None


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    lower: float | None
    upper: float | None
    n: int


@dataclass(frozen=True)
class FunnelPoint:
    code: str
    name: str
    estimate: float
    n_eff: float
    position: str


@dataclass(frozen=True)
class FunnelCurve:
    level: float
    n_eff: list[float]
    lower: list[float]
    upper: list[float]


@dataclass(frozen=True)
class Funnel:
    centre: float | None
    points: list[FunnelPoint]
    curves: list[FunnelCurve]
    note: str | None


@dataclass(frozen=True)
class Counts:
    valid: int
    flagged: int
    excluded: int


@dataclass(frozen=True)
class Method:
    design_name: str
    weighting: str
    design: str
    variance: str
    interval: str
    verdict_rule: str
    domains: str
    r_equivalent: str
    cells: int
    provisional_cells: int


@dataclass(frozen=True)
class PortalScore:
    """Decision 766/QĐ-TTg's satisfaction score from the portal's dossier ratings: (dossiers − dossiers
    rated "not satisfied" or complained about) ÷ dossiers. An unrated dossier counts as satisfied, so it
    is not comparable with the survey index, which counts only the answers given."""

    value: float
    dossiers: int
    not_satisfied: int
    unit_months: int


@dataclass(frozen=True)
class CommentsOnTime:
    """Decision 766/QĐ-TTg's feedback handled on time: of the citizens' comments received in the period that
    have fallen due (deadline passed, or closed), those closed by their deadline. ``share`` is None when none
    has fallen due."""

    due: int
    on_time: int
    share: float | None


@dataclass(frozen=True)
class Scope:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Report:
    scope: Scope
    period: str
    months: list[str]
    instrument: str
    instrument_title: str
    target: float
    generated_at: str
    data_cutoff: str | None
    composite: IndexValue
    composite_verdict: Verdict
    overall: IndexValue
    overall_verdict: Verdict
    elements: list[ElementRow]
    change: Change | None
    subunits: list[UnitRow]
    centres: list[UnitRow] | None
    ranking: Ranking
    trend: list[TrendPoint]
    funnel: Funnel
    counts: Counts
    response_rate: float | None
    method: Method
    notes: list[str] = field(default_factory=list)
    portal: PortalScore | None = None
    provisional_share: float | None = None  # share of the period's responses in cells with an estimated volume
    provisional: bool = False  # the period reaches the month in progress
    design: str = "cell"
    # The index definition the figures follow, and the instrument versions whose responses it pools.
    index_fingerprint: str | None = None
    index_versions: list[int] = field(default_factory=list)
    comments_on_time: CommentsOnTime | None = None  # the inbox's handling, beside the index

    def to_dict(self) -> dict[str, Any]:
        return _clean(dataclasses.asdict(self))


def _clean(value: Any) -> Any:
    """NaN and infinities become None so the result is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
