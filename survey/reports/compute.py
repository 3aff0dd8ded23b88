"""From cell counts to the report: every figure is a domain estimate of one design on cluster totals.

Domains are labelled per group of the ``GROUP BY`` (a group lies in one unit and one month), so the
current period, the previous one, each sub-unit, each centre and each month of the trend are domains
of the same full design, as R's ``svyby`` would estimate them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from stats import DomainTable, TotalsDesign
from stats.estimate_arrays import variance_effective_n
from stats.smallarea import funnel, funnel_limits, rank_units, shrink
from stats.target import INSUFFICIENT_DATA, TargetRule, target_verdicts
from stats.trend import change, period_series
from survey.reports import method_note
from survey.reports.model import (
    Change,
    Counts,
    ElementRow,
    Funnel,
    FunnelCurve,
    FunnelPoint,
    IndexValue,
    PortalScore,
    Ranking,
    RankRow,
    Report,
    Scope,
    TrendPoint,
    UnitRow,
    Verdict,
)
from survey.reports.periods import Period, month_label
from survey.reports.totals_query import OVERALL_COLUMN, CellCounts, ScopeUnit, UnitInfo, as_datetime
from survey.reports.weighting import Weighting, totals_design

LEVEL = 0.95
INTERVAL_METHOD = "beta"
OUTSIDE = ""  # domain label of groups a table does not report
CURRENT, PREVIOUS = "current", "previous"
FUNNEL_LEVELS = (0.95, 0.998)
RANK_FRACTION = 0.1


@dataclass(frozen=True)
class ElementSpec:
    key: str
    title: str
    weight: float
    column: str


@dataclass(frozen=True)
class ReportInputs:
    """Everything the database and the instrument contribute to one report."""

    scope: ScopeUnit
    units: UnitInfo
    cells: CellCounts  # valid responses only
    all_cells: CellCounts  # every status, for the counts of flagged and excluded responses
    weighting: Weighting
    period: Period
    trend_window: Period
    instrument_key: str
    instrument_title: str
    elements: tuple[ElementSpec, ...]
    rule: TargetRule
    include_centres: bool
    response_rate: float | None = None
    portal: PortalScore | None = None


@dataclass(frozen=True)
class IndexTables:
    composite: DomainTable
    overall: DomainTable | None  # None, and no elements, when only the composite was asked for
    elements: dict[str, DomainTable]


def _float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def index_tables(design: TotalsDesign, elements: tuple[ElementSpec, ...], composite_only: bool = False) -> IndexTables:
    estimator = design.by()
    composite = estimator.composite([e.column for e in elements], [e.weight for e in elements])
    if composite_only:
        return IndexTables(composite, None, {})
    return IndexTables(
        composite=composite,
        overall=estimator.proportion(OVERALL_COLUMN),
        elements={e.key: estimator.proportion(e.column) for e in elements},
    )


def figures(table: DomainTable) -> dict[Hashable, IndexValue]:
    if len(table) == 0:
        return {}
    low, high = table.ci(LEVEL, INTERVAL_METHOD)
    notes = table.interval_notes().tolist()
    n_eff = variance_effective_n(table.values, table.ses, table.n_kish)
    columns = [[_float(x) for x in a.tolist()] for a in (table.values, table.ses, low, high, table.dfs, n_eff, table.n_kish)]
    ns = table.ns.astype(np.int64).tolist()
    return {
        label: IndexValue(value, se, lower, upper, df, n, eff, kish, note or None)
        for label, value, se, lower, upper, df, eff, kish, n, note in zip(table.labels.tolist(), *columns, ns, notes)
    }


def verdicts(table: DomainTable, rule: TargetRule) -> dict[Hashable, Verdict]:
    if len(table) == 0:
        return {}
    report = target_verdicts(table, rule)
    return {
        label: Verdict(str(report.verdict[i]), _float(report.lower[i]), _float(report.upper[i]),
                       int(report.further_responses[i]) if report.further_responses[i] >= 0 else None,
                       str(report.reason[i]) or None)
        for i, label in enumerate(report.labels)
    }


def no_data_verdict(rule: TargetRule, n: int = 0) -> Verdict:
    return Verdict(INSUFFICIENT_DATA, None, None, max(rule.min_n - n, 0), "no answers in this domain and period")


class Labeller:
    """Domain labels per group for the tables of one report."""

    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        cells, units, scope = inputs.cells, inputs.units, inputs.scope
        self.unit_ids, self.unit_of_group = np.unique(cells.unit, return_inverse=True)
        self.unit_of_group = self.unit_of_group.reshape(-1)
        position = {int(u): i for i, u in enumerate(units.ids.tolist())}
        self.unit_position = np.array([position.get(int(u), -1) for u in self.unit_ids], dtype=np.int64)
        self.in_scope = self.unit_position[self.unit_of_group] >= 0 if cells.size else np.zeros(0, bool)
        self.codes = np.array(units.codes + [OUTSIDE], dtype=object)
        depth = len(scope.ancestor_ids)
        id_to_code = dict(zip(units.ids.tolist(), units.codes))
        children = []
        for p in self.unit_position.tolist():
            parts = units.paths[p].strip("/").split("/") if p >= 0 else []
            children.append(id_to_code.get(int(parts[depth]), OUTSIDE) if len(parts) > depth else OUTSIDE)
        self.child_code = np.array(children, dtype=object)

    def months_between(self, period: Period) -> np.ndarray:
        month = self.inputs.cells.month
        return self.in_scope & (month >= period.first) & (month <= period.last)

    def current_previous(self) -> np.ndarray:
        current = self.months_between(self.inputs.period)
        previous = self.months_between(self.inputs.period.previous())
        return np.where(current, CURRENT, np.where(previous, PREVIOUS, OUTSIDE)).astype(object)

    def subunits(self) -> np.ndarray:
        return np.where(self.months_between(self.inputs.period), self.child_code[self.unit_of_group], OUTSIDE)

    def centres(self) -> np.ndarray:
        return np.where(self.months_between(self.inputs.period), self.codes[self.unit_position[self.unit_of_group]],
                        OUTSIDE)

    def months(self) -> np.ndarray:
        labels = np.array([month_label(int(m)) for m in range(self.inputs.trend_window.first,
                                                             self.inputs.trend_window.last + 1)], dtype=object)
        inside = self.months_between(self.inputs.trend_window)
        return np.where(inside, labels[np.clip(self.inputs.cells.month - self.inputs.trend_window.first, 0,
                                                len(labels) - 1)], OUTSIDE)


def _design(inputs: ReportInputs, labels: np.ndarray, composite_only: bool = False) -> IndexTables | None:
    if not (labels != OUTSIDE).any():
        return None
    return index_tables(totals_design(inputs.cells, inputs.weighting, labels), inputs.elements, composite_only)


def named_figures(tables: IndexTables | None, inputs: ReportInputs, codes: list[str]) -> list[tuple[str, str, IndexValue]]:
    """(code, name, composite) of each unit: what ranking and the funnel need."""
    names = dict(zip(inputs.units.codes, inputs.units.names))
    composite = figures(tables.composite) if tables else {}
    return [(code, names[code], composite.get(code, IndexValue.missing())) for code in codes]


def unit_rows(tables: IndexTables | None, inputs: ReportInputs, codes: list[str]) -> list[UnitRow]:
    units = inputs.units
    where = {code: i for i, code in enumerate(units.codes)}
    composite = figures(tables.composite) if tables else {}
    overall = figures(tables.overall) if tables else {}
    judged = verdicts(tables.composite, inputs.rule) if tables else {}
    elements = {key: figures(t) for key, t in tables.elements.items()} if tables else {}
    rows = []
    for code in codes:
        i = where[code]
        figure = composite.get(code, IndexValue.missing())
        rows.append(UnitRow(code, units.names[i], units.levels[i], figure.n, figure,
                            overall.get(code, IndexValue.missing()),
                            judged.get(code, no_data_verdict(inputs.rule, figure.n)),
                            {e.key: elements.get(e.key, {}).get(code, IndexValue.missing()) for e in inputs.elements}))
    return rows


def _rankable(units: list[tuple[str, str, IndexValue]]) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    usable = [(code, name, f) for code, name, f in units if f.value is not None and (f.stable_n_eff or 0) > 0]
    return ([(code, name) for code, name, _ in usable], np.array([f.value for *_, f in usable], dtype=float),
            np.array([f.stable_n_eff for *_, f in usable], dtype=float))


def ranking(units: list[tuple[str, str, IndexValue]]) -> Ranking:
    usable, p, n_eff = _rankable(units)
    if len(usable) < 2:
        return Ranking([], None, None, RANK_FRACTION, "fewer than two units with answers: nothing to rank")
    try:
        shrunk = shrink([code for code, _ in usable], p, n_eff, level=LEVEL)
    except ValueError as problem:
        return Ranking([], None, None, RANK_FRACTION, f"no ranking: {problem}")
    ranks = rank_units(shrunk, fraction=RANK_FRACTION, level=LEVEL)
    result = [
        RankRow(code, name, float(p[i]), float(n_eff[i]), float(shrunk.posterior_mean[i]), float(shrunk.lower[i]),
                float(shrunk.upper[i]), int(ranks.rank[i]), int(ranks.rank_lower[i]), int(ranks.rank_upper[i]),
                float(ranks.prob_top[i]), float(ranks.prob_bottom[i]))
        for i, (code, name) in enumerate(usable)
    ]
    result.sort(key=lambda row: row.rank)
    return Ranking(result, shrunk.prior.mean, shrunk.prior.overdispersion, RANK_FRACTION, None)


def funnel_data(units: list[tuple[str, str, IndexValue]], centre: float | None) -> Funnel:
    usable, p, n_eff = _rankable(units)
    if centre is None or not 0 < centre < 1 or not usable:
        return Funnel(centre, [], [], "no funnel: the overall index is 0, 1 or missing, or no unit has answers")
    placed = funnel([code for code, _ in usable], p, n_eff, centre, FUNNEL_LEVELS)
    grid = np.geomspace(max(1.0, n_eff.min() * 0.8), max(2.0, n_eff.max() * 1.2), 60)
    curves = []
    for level in FUNNEL_LEVELS:
        low, high = funnel_limits(centre, grid, level)
        curves.append(FunnelCurve(level, grid.tolist(), low.tolist(), high.tolist()))
    points = [FunnelPoint(code, name, float(p[i]), float(n_eff[i]), str(placed.position[i]))
              for i, (code, name) in enumerate(usable)]
    return Funnel(centre, points, curves, None)


def trend_points(tables: IndexTables | None, window: Period) -> list[TrendPoint]:
    known = {}
    if tables and len(tables.composite):
        series = period_series(tables.composite, level=LEVEL, method=INTERVAL_METHOD)
        known = {label: i for i, label in enumerate(series.labels) if label != OUTSIDE}
    points = []
    for month in window.months:
        if month in known:
            i = known[month]
            points.append(TrendPoint(month, _float(series.value[i]), _float(series.lower[i]), _float(series.upper[i]),
                                     int(series.n[i])))
        else:
            points.append(TrendPoint(month, None, None, None, 0))
    return points


def period_change(tables: IndexTables | None, period: Period, current: IndexValue) -> Change | None:
    previous_label = period.previous().label
    if tables is None:
        return None
    previous = figures(tables.composite).get(PREVIOUS, IndexValue.missing())
    labels = set(tables.composite.labels.tolist())
    if current.value is None or previous.value is None or not {CURRENT, PREVIOUS} <= labels:
        return Change(previous_label, previous, None, None, None, None, None, None, False, None)
    difference = change(tables.composite, CURRENT, PREVIOUS, level=LEVEL)
    test = difference.test
    return Change(previous_label, previous, test.value, _float(test.se), _float(test.df), _float(test.p_value),
                  _float(test.lower), _float(test.upper), bool(np.isfinite(test.p_value) and test.p_value < 0.05),
                  _float(difference.se_if_independent))


def status_counts(inputs: ReportInputs) -> tuple[Counts, str | None]:
    """Responses by status in the scope and period, and when the latest of them arrived."""
    cells, period = inputs.all_cells, inputs.period
    inside = np.isin(cells.unit, inputs.units.ids) & (cells.month >= period.first) & (cells.month <= period.last)

    def count(status: str) -> int:
        return int(cells.rows[inside & (cells.status == status)].sum())

    lasts = [as_datetime(v) for v in cells.last_received[inside].tolist() if v is not None]
    cutoff = max(lasts).isoformat(timespec="seconds") if lasts else None
    return Counts(count("valid"), count("flagged"), count("excluded")), cutoff


def compute_report(inputs: ReportInputs) -> Report:
    labeller = Labeller(inputs)
    rule = inputs.rule
    periods = _design(inputs, labeller.current_previous())
    composite = figures(periods.composite).get(CURRENT, IndexValue.missing()) if periods else IndexValue.missing()
    overall = figures(periods.overall).get(CURRENT, IndexValue.missing()) if periods else IndexValue.missing()
    composite_verdict = (verdicts(periods.composite, rule) if periods else {}).get(CURRENT, no_data_verdict(rule, composite.n))
    overall_verdict = (verdicts(periods.overall, rule) if periods else {}).get(CURRENT, no_data_verdict(rule, overall.n))
    current = labeller.months_between(inputs.period)
    element_rows = [
        ElementRow(e.key, e.title, e.weight,
                   figures(periods.elements[e.key]).get(CURRENT, IndexValue.missing()) if periods else IndexValue.missing(),
                   int(inputs.cells.answered[e.column][current].sum()))
        for e in inputs.elements
    ]
    units = inputs.units
    scope_id = inputs.scope.id
    child_codes = [code for code, parent in zip(units.codes, units.parents) if parent == scope_id]
    subunits = unit_rows(_design(inputs, labeller.subunits()), inputs, sorted(child_codes))
    centre_labels = labeller.centres()
    centre_codes = sorted(set(centre_labels.tolist()) - {OUTSIDE})
    # Verdicts for thousands of centres cost seconds; the funnel needs only their composite index.
    centre_tables = _design(inputs, centre_labels, composite_only=not inputs.include_centres)
    centres = unit_rows(centre_tables, inputs, centre_codes) if inputs.include_centres else None
    counts, cutoff = status_counts(inputs)
    return Report(
        scope=Scope(inputs.scope.code, inputs.scope.name, inputs.scope.level),
        period=inputs.period.label,
        months=inputs.period.months,
        instrument=inputs.instrument_key,
        instrument_title=inputs.instrument_title,
        target=rule.tau,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_cutoff=cutoff,
        composite=composite,
        composite_verdict=composite_verdict,
        overall=overall,
        overall_verdict=overall_verdict,
        elements=element_rows,
        change=period_change(periods, inputs.period, composite),
        subunits=subunits,
        centres=centres,
        ranking=ranking([(r.code, r.name, r.composite) for r in subunits]),
        trend=trend_points(_design(inputs, labeller.months()), inputs.trend_window),
        funnel=funnel_data(named_figures(centre_tables, inputs, centre_codes), composite.value),
        counts=counts,
        response_rate=inputs.response_rate,
        method=method_note.method(inputs.weighting, rule, LEVEL),
        portal=inputs.portal,
    )
