"""From the design's sufficient statistics to the report: every figure is a domain estimate.

Domains are labelled per design row (a row lies in one unit and one month), so the current period,
the previous one, each sub-unit, each centre and each month of the trend are domains of the design,
as R's ``svyby`` would estimate them. The table of sub-units, the ranking and the funnel read the same
estimates and standard errors.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from stats import DomainTable
from stats.cells import CellEstimator
from stats.estimate_arrays import variance_effective_n
from stats.smallarea import funnel, funnel_limits, rank_units, shrink
from stats.target import INSUFFICIENT_DATA, TargetRule, target_verdicts, weeks_to_settle
from stats.trend import change, period_series
from survey.core.i18n import gettext
from survey.core.periods import Period, month_label
from survey.core.responses import ResponseStatus
from survey.core.units import path_ids
from survey.reports import method_note
from survey.reports.design import ReportDesign
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
from survey.reports.totals_query import OVERALL_COLUMN, PatternCounts, ScopeUnit, UnitInfo

LEVEL = 0.95
INTERVAL_METHOD = "beta"
OUTSIDE = ""  # domain label of groups a table does not report
CURRENT, PREVIOUS = "current", "previous"
FUNNEL_LEVELS = (0.95, 0.998)
RANK_FRACTION = 0.1
FUNNEL_NOTE = ("Biểu đồ phễu là công cụ sàng lọc (so với chỉ số chung, ngưỡng 95% và 99,8%); kết luận đạt/không đạt "
               "là kiểm định so với mục tiêu, nên một đơn vị có thể nằm dưới ngưỡng phễu mà vẫn chưa kết luận.")


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
    design: ReportDesign
    all_counts: PatternCounts  # every status, for the counts of flagged and excluded responses
    period: Period
    trend_window: Period
    instrument_key: str
    instrument_title: str
    elements: tuple[ElementSpec, ...]
    rule: TargetRule
    include_centres: bool
    cutoff: str | None = None  # the last day whose answers are included (local date)
    in_progress: int | None = None  # the month in progress (month number), if the report reaches it
    days_in_period: float = 0.0  # calendar days of the period up to the cut-off, for the weeks to settle
    response_rate: float | None = None
    portal: PortalScore | None = None


@dataclass(frozen=True)
class IndexTables:
    composite: DomainTable
    overall: DomainTable | None  # None, and no elements, when only the composite was asked for
    elements: dict[str, DomainTable]


def _float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def index_tables(estimator: CellEstimator, elements: tuple[ElementSpec, ...], composite_only: bool = False) -> IndexTables:
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


def verdicts(table: DomainTable, rule: TargetRule, days: float = 0.0) -> dict[Hashable, Verdict]:
    """Verdict per domain; ``days`` (the period's days so far) turns further responses into weeks at the
    domain's own pace of responses in the period."""
    if len(table) == 0:
        return {}
    report = target_verdicts(table, rule)
    per_week = np.asarray(table.ns, float) / (days / 7) if days > 0 else np.zeros(len(table))
    weeks = weeks_to_settle(report.further_responses, per_week)
    result = {}
    for i, label in enumerate(report.labels):
        further = int(report.further_responses[i]) if report.further_responses[i] >= 0 else None
        result[label] = Verdict(str(report.verdict[i]), _float(report.lower[i]), _float(report.upper[i]), further,
                                str(report.reason[i]) or None, _float(weeks[i]) if further is not None else None)
    return result


def no_data_verdict(rule: TargetRule, n: int = 0) -> Verdict:
    return Verdict(INSUFFICIENT_DATA, None, None, max(rule.min_n - n, 0), "no answers in this domain and period")


class Labeller:
    """Domain labels per group for the tables of one report."""

    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        units, scope = inputs.units, inputs.scope
        self.unit, self.month = inputs.design.unit, inputs.design.month
        self.unit_ids, self.unit_of_group = np.unique(self.unit, return_inverse=True)
        self.unit_of_group = self.unit_of_group.reshape(-1)
        position = {int(u): i for i, u in enumerate(units.ids.tolist())}
        self.unit_position = np.array([position.get(int(u), -1) for u in self.unit_ids], dtype=np.int64)
        self.in_scope = self.unit_position[self.unit_of_group] >= 0 if len(self.unit) else np.zeros(0, bool)
        self.codes = np.array(units.codes + [OUTSIDE], dtype=object)
        depth = len(scope.ancestor_ids)
        id_to_code = dict(zip(units.ids.tolist(), units.codes))
        children = []
        for p in self.unit_position.tolist():
            parts = path_ids(units.paths[p]) if p >= 0 else ()
            children.append(id_to_code.get(int(parts[depth]), OUTSIDE) if len(parts) > depth else OUTSIDE)
        self.child_code = np.array(children, dtype=object)

    def months_between(self, period: Period) -> np.ndarray:
        return self.in_scope & (self.month >= period.first) & (self.month <= period.last)

    def period_groups(self, month: np.ndarray) -> np.ndarray:
        """The period each month belongs to for the current/previous tables (strata collapse inside it)."""
        current, previous = self.inputs.period, self.inputs.period.previous()
        return np.where((month >= current.first) & (month <= current.last), CURRENT,
                        np.where((month >= previous.first) & (month <= previous.last), PREVIOUS, OUTSIDE)).astype(object)

    def current_group(self, month: np.ndarray) -> np.ndarray:
        period = self.inputs.period
        return np.where((month >= period.first) & (month <= period.last), CURRENT, OUTSIDE).astype(object)

    @staticmethod
    def month_groups(month: np.ndarray) -> np.ndarray:
        return np.asarray(month, dtype=object)

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
        return np.where(inside, labels[np.clip(self.month - self.inputs.trend_window.first, 0,
                                                len(labels) - 1)], OUTSIDE)


def _design(inputs: ReportInputs, labels: np.ndarray, groups, composite_only: bool = False) -> IndexTables | None:
    if not (labels != OUTSIDE).any():
        return None
    return index_tables(inputs.design.estimator(labels, groups, OUTSIDE), inputs.elements, composite_only)


def named_figures(tables: IndexTables | None, inputs: ReportInputs, codes: list[str]) -> list[tuple[str, str, IndexValue]]:
    """(code, name, composite) of each unit: what ranking and the funnel need."""
    names = dict(zip(inputs.units.codes, inputs.units.names))
    composite = figures(tables.composite) if tables else {}
    return [(code, names[code], publishable(f.n, inputs.rule)(f))
            for code, f in ((code, composite.get(code, IndexValue.missing())) for code in codes)]


def unit_rows(tables: IndexTables | None, inputs: ReportInputs, codes: list[str]) -> list[UnitRow]:
    units = inputs.units
    where = {code: i for i, code in enumerate(units.codes)}
    composite = figures(tables.composite) if tables else {}
    overall = figures(tables.overall) if tables else {}
    judged = verdicts(tables.composite, inputs.rule, inputs.days_in_period) if tables else {}
    elements = {key: figures(t) for key, t in tables.elements.items()} if tables else {}
    rows = []
    for code in codes:
        i = where[code]
        figure = composite.get(code, IndexValue.missing())
        shown = publishable(figure.n, inputs.rule)
        rows.append(UnitRow(code, units.names[i], units.levels[i], figure.n, shown(figure),
                            shown(overall.get(code, IndexValue.missing())),
                            judged.get(code, no_data_verdict(inputs.rule, figure.n)),
                            {e.key: shown(elements.get(e.key, {}).get(code, IndexValue.missing()))
                             for e in inputs.elements}))
    return rows


def publishable(n: int, rule: TargetRule):
    """Below the minimum sample a domain shows no figure at all, only "insufficient data": a handful of
    answers would let a reader work out what one citizen said."""
    def shown(figure: IndexValue) -> IndexValue:
        return figure if n >= rule.min_n else IndexValue.missing(figure.n)
    return shown


def _rankable(units: list[tuple[str, str, IndexValue]]) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray]:
    # The effective n of each unit's own standard error (p(1-p)/se², Kish's at 0 or 1), so the ranking and
    # the funnel judge the same estimate with the same precision as the table.
    usable = [(code, name, f) for code, name, f in units if f.value is not None and (f.n_eff or 0) > 0]
    return ([(code, name) for code, name, _ in usable], np.array([f.value for *_, f in usable], dtype=float),
            np.array([f.n_eff for *_, f in usable], dtype=float))


def ranking(units: list[tuple[str, str, IndexValue]]) -> Ranking:
    usable, p, n_eff = _rankable(units)
    if len(usable) < 2:
        return Ranking([], None, None, RANK_FRACTION, gettext("fewer than two units with answers: nothing to rank"))
    try:
        shrunk = shrink([code for code, _ in usable], p, n_eff, level=LEVEL)
    except ValueError as problem:
        return Ranking([], None, None, RANK_FRACTION, gettext("no ranking: %(problem)s", problem=problem))
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
    return Funnel(centre, points, curves, FUNNEL_NOTE)


def trend_points(tables: IndexTables | None, window: Period, rule: TargetRule) -> list[TrendPoint]:
    known = {}
    if tables and len(tables.composite):
        series = period_series(tables.composite, level=LEVEL, method=INTERVAL_METHOD)
        known = {label: i for i, label in enumerate(series.labels) if label != OUTSIDE}
    points = []
    for month in window.months:
        if month in known and series.n[known[month]] >= rule.min_n:
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


def status_counts(inputs: ReportInputs) -> Counts:
    """Responses by status in the scope and period."""
    counts, period = inputs.all_counts, inputs.period
    inside = np.isin(counts.unit, inputs.units.ids) & (counts.month >= period.first) & (counts.month <= period.last)

    def count(status: str) -> int:
        return int(counts.rows[inside & (counts.status == status)].sum())

    return Counts(count(ResponseStatus.VALID), count(ResponseStatus.FLAGGED), count(ResponseStatus.EXCLUDED))


def provisional(inputs: ReportInputs) -> tuple[float | None, list[str]]:
    """Share of the period's responses in cells whose volume is estimated, and the cells with more
    responses than dossiers (their fpc is dropped), as "CODE YYYY-MM"."""
    cells, period = inputs.design.cells, inputs.period
    inside = np.isin(cells.unit, inputs.units.ids) & (cells.month >= period.first) & (cells.month <= period.last)
    total = float(cells.n[inside].sum())
    share = float(cells.n[inside & cells.provisional].sum()) / total if total else None
    code = dict(zip(inputs.units.ids.tolist(), inputs.units.codes))
    overfull = [f"{code.get(int(u), u)} {month_label(int(m))}"
                for u, m in zip(cells.unit[inside & cells.overfull].tolist(), cells.month[inside & cells.overfull].tolist())]
    return share, overfull


def compute_report(inputs: ReportInputs) -> Report:
    labeller = Labeller(inputs)
    rule = inputs.rule
    periods = _design(inputs, labeller.current_previous(), labeller.period_groups)
    composite = figures(periods.composite).get(CURRENT, IndexValue.missing()) if periods else IndexValue.missing()
    overall = figures(periods.overall).get(CURRENT, IndexValue.missing()) if periods else IndexValue.missing()
    days = inputs.days_in_period
    composite_verdict = (verdicts(periods.composite, rule, days) if periods else {}).get(
        CURRENT, no_data_verdict(rule, composite.n))
    overall_verdict = (verdicts(periods.overall, rule, days) if periods else {}).get(
        CURRENT, no_data_verdict(rule, overall.n))
    current = labeller.months_between(inputs.period)
    design = inputs.design
    shown = publishable(composite.n, rule)
    element_rows = [
        ElementRow(e.key, e.title, e.weight,
                   shown(figures(periods.elements[e.key]).get(CURRENT, IndexValue.missing()) if periods
                         else IndexValue.missing()),
                   int((design.multiplicity * design.answered[:, design.items.index(e.column)])[current].sum()))
        for e in inputs.elements
    ]
    units = inputs.units
    scope_id = inputs.scope.id
    child_codes = [code for code, parent in zip(units.codes, units.parents) if parent == scope_id]
    subunit_tables = _design(inputs, labeller.subunits(), labeller.current_group)
    subunits = unit_rows(subunit_tables, inputs, sorted(child_codes))
    centre_labels = labeller.centres()
    centre_codes = sorted(set(centre_labels.tolist()) - {OUTSIDE})
    # Verdicts for thousands of centres cost seconds; the funnel needs only their composite index.
    centre_tables = _design(inputs, centre_labels, labeller.current_group, composite_only=not inputs.include_centres)
    centres = unit_rows(centre_tables, inputs, centre_codes) if inputs.include_centres else None
    share, overfull = provisional(inputs)
    notes = []
    if inputs.in_progress is not None and inputs.period.first <= inputs.in_progress <= inputs.period.last:
        notes.append(f"Tạm tính: kỳ báo cáo gồm tháng {month_label(inputs.in_progress)} chưa kết thúc.")
    if overfull:
        notes.append("Số phiếu vượt số hồ sơ (bỏ hiệu chỉnh quần thể hữu hạn): " + ", ".join(overfull[:20])
                     + (" …" if len(overfull) > 20 else ""))
    return Report(
        scope=Scope(inputs.scope.code, inputs.scope.name, inputs.scope.level),
        period=inputs.period.label,
        months=inputs.period.months,
        instrument=inputs.instrument_key,
        instrument_title=inputs.instrument_title,
        target=rule.tau,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_cutoff=inputs.cutoff,
        composite=shown(composite),
        composite_verdict=composite_verdict,
        overall=publishable(overall.n, rule)(overall),
        overall_verdict=overall_verdict,
        elements=element_rows,
        change=period_change(periods, inputs.period, composite),
        subunits=subunits,
        centres=centres,
        ranking=ranking([(r.code, r.name, r.composite) for r in subunits]),
        trend=trend_points(_design(inputs, labeller.months(), labeller.month_groups), inputs.trend_window, rule),
        funnel=funnel_data(named_figures(centre_tables, inputs, centre_codes), composite.value),
        counts=status_counts(inputs),
        response_rate=inputs.response_rate,
        method=method_note.method(design, rule, LEVEL),
        portal=inputs.portal,
        provisional_share=share,
        provisional=bool(inputs.in_progress is not None and inputs.period.first <= inputs.in_progress <= inputs.period.last),
        notes=notes,
        design=design.kind,
    )
