"""The public pages' figures: the officer report's own figures (``build_report``), filtered for the public.

Nothing here estimates anything: every figure is read from the report an officer would get for the same unit
and period, so the two can never disagree. What is filtered out: provinces an administrator has not made
public (404 in every format), periods not yet complete, and every figure of a unit with fewer answers than
its province's minimum (or whose verdict is "insufficient data"), including its number of answers. Comments
and counters never appear.

What the cache is keyed on is :func:`data_version`, built on the reports' rollup versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec

from survey.core.periods import Grain, Period, PeriodError, month_label, parse_period
from survey.core.units import path_ids
from survey.db.tables import Unit
from survey.public.publication import MIN_ANSWERS, settings_by_unit
from survey.public.schemas import Crumb, Figure, Rank, TrendPoint, UnitFigures, UnitView
from survey.reports.model import IndexValue, Ranking, Report, UnitRow
from survey.reports.services import DEFAULT_TARGET, Clock
from survey.reports.views import last_quarters, quarter_of

TREND_QUARTERS = 6
INSUFFICIENT = "insufficient_data"

ReportOf = Callable[[str, Period], Awaitable[Report | None]]


class NotPublished(LookupError):
    """No public page: an unknown unit, a province not made public, or a period not complete."""


async def data_version(clock: Clock) -> str:
    """What the published figures depend on, as a short text; the cache recomputes when it changes.

    The month in progress (which periods are complete); the rollup's versions of every complete month
    (``survey.rollup.versions``: raised in the transaction of any change to a month's responses, such as a
    review moving one from flagged to valid, or an answer committed in the first instant of a month that
    still counts in the previous one); the dossier volumes of complete months; the units; the publication
    settings. A response stored in the month in progress moves only its own month's version, which no
    public page reads, so it changes nothing public. Each part is a small table, read at most every few
    seconds per process.
    """
    current = clock.month_in_progress
    before = month_label(current)
    parts: list = [before]
    parts += await Unit.raw("SELECT COUNT(*) AS n, COALESCE(SUM(version), 0) AS v FROM cell_version "
                            "WHERE period < {}", before)
    parts += await Unit.raw("SELECT COUNT(*) AS n, COALESCE(SUM(dossiers), 0) AS d, "
                            "COALESCE(SUM(portal_not_satisfied), 0) AS p, COALESCE(SUM(id), 0) AS s "
                            "FROM dossier_volume WHERE period < {}", before)
    parts += await Unit.raw("SELECT id, code, name, level, path, active FROM unit ORDER BY id")
    parts += await Unit.raw("SELECT unit, public, min_answers FROM publication ORDER BY unit")
    digest = hashlib.sha256(repr([sorted(dict(p).items()) if isinstance(p, dict) else p for p in parts])
                            .encode()).hexdigest()
    return f"{before}:{digest[:16]}"


# The unit tree as the public sees it ------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: str
    parent: str | None
    province: str | None  # the ancestor-or-self at the stratum level
    visible: bool  # has a public page
    minimum: int  # fewest answers before a figure is shown
    aggregate: bool  # its own figures may be shown (above the provinces: only when every one is public)


@dataclass
class Catalog:
    units: dict[str, Entry] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    roots: list[str] = field(default_factory=list)

    def page(self, code: str) -> Entry:
        entry = self.units.get(code)
        if entry is None or not entry.visible:
            raise NotPublished(code)
        return entry

    def visible_children(self, code: str) -> list[Entry]:
        return [self.units[c] for c in self.children.get(code, []) if self.units[c].visible]

    def all_children_visible(self, code: str) -> bool:
        return all(self.units[c].visible for c in self.children.get(code, []))

    def crumbs(self, code: str) -> list[Crumb]:
        chain = []
        parent = self.units[code].parent
        while parent is not None and parent in self.units and self.units[parent].visible:
            chain.append(Crumb(parent, self.units[parent].name))
            parent = self.units[parent].parent
        return chain[::-1]

    def in_tree_order(self) -> list[Entry]:
        ordered: list[Entry] = []

        def visit(code: str) -> None:
            if self.units[code].visible:
                ordered.append(self.units[code])
                for child in self.children.get(code, []):
                    visit(child)

        for root in self.roots:
            visit(root)
        return ordered


async def load_catalog(stratum_level: str) -> Catalog:
    rows = await Unit.select(Unit._meta.primary_key, Unit.code, Unit.name, Unit.level, Unit.path, Unit.parent).order_by(Unit.code)
    settings = await settings_by_unit()
    code_of = {r["id"]: r["code"] for r in rows}
    by_code = {r["code"]: r for r in rows}
    province_of: dict[str, str | None] = {}
    beneath: dict[str, list[str]] = {}  # provinces under a unit above the stratum level
    for row in rows:
        ancestors = [code_of[i] for i in path_ids(row["path"]) if i in code_of]
        province_of[row["code"]] = next((c for c in ancestors if by_code[c]["level"] == stratum_level), None)
        if row["level"] == stratum_level:
            for above in ancestors[:-1]:
                beneath.setdefault(above, []).append(row["code"])

    def setting(province: str) -> tuple[bool, int]:
        return settings.get(by_code[province]["id"], (False, MIN_ANSWERS))

    catalog = Catalog()
    for row in rows:
        code, province = row["code"], province_of[row["code"]]
        parent = code_of.get(row["parent"]) if row["parent"] is not None else None
        if province is not None:
            public, minimum = setting(province)
            entry = Entry(code, row["name"], row["level"], parent, province, public, minimum, True)
        else:
            provinces = [setting(p) for p in beneath.get(code, [])]
            every = bool(provinces) and all(public for public, _ in provinces)
            entry = Entry(code, row["name"], row["level"], parent, None, any(p for p, _ in provinces),
                          max((m for _, m in provinces), default=MIN_ANSWERS), every)
        catalog.units[code] = entry
        if parent is None:
            catalog.roots.append(code)
        else:
            catalog.children.setdefault(parent, []).append(code)
    return catalog


# Periods -----------------------------------------------------------------------------------------------------
def latest_quarter(clock: Clock) -> Period:
    """The last quarter that has ended: the one before the quarter of the month in progress."""
    return quarter_of(Period.month(month_label(clock.month_in_progress))).previous()


def published_period(text: str | None, clock: Clock) -> Period:
    """The quarter asked for (default: the latest complete one). PeriodError for text that is no quarter,
    NotPublished for a quarter that has not ended."""
    if not (text or "").strip():
        return latest_quarter(clock)
    period = parse_period(text)
    if period.grain is not Grain.QUARTER:
        raise PeriodError("Trang công khai theo quý, ví dụ 2026-Q3.", "Public pages are by quarter, e.g. 2026-Q3.")
    if period.last >= clock.month_in_progress:
        raise NotPublished(period.label)
    return period


def recent_quarters(clock: Clock, count: int = 8) -> list[Period]:
    return last_quarters(latest_quarter(clock), count)[::-1]


# Figures -------------------------------------------------------------------------------------------------------
def figure(value: IndexValue | None, minimum: int) -> Figure | None:
    """A share with its interval, or None when it may not be shown."""
    if value is None or value.value is None or value.lower is None or value.upper is None or value.n < minimum:
        return None
    return Figure(value.value, value.lower, value.upper)


def ranks(ranking: Ranking | None) -> dict[str, Rank]:
    if ranking is None:
        return {}
    return {r.code: Rank(r.rank_lower, r.rank_upper, len(ranking.rows)) for r in ranking.rows}


def withheld(entry: Entry) -> UnitFigures:
    return UnitFigures(entry.code, entry.name, entry.level, entry.parent, False, INSUFFICIENT)


def from_report(entry: Entry, report: Report | None, rank: Rank | None) -> UnitFigures:
    """The unit's own figures, as its officer report gives them."""
    if report is None or not entry.aggregate:
        return withheld(entry)
    composite = figure(report.composite, entry.minimum)
    if composite is None or report.composite_verdict.verdict == INSUFFICIENT:
        return withheld(entry)
    elements = {row.key: figure(row.index, entry.minimum) for row in report.elements}
    return UnitFigures(entry.code, entry.name, entry.level, entry.parent, True, report.composite_verdict.verdict,
                       report.composite.n, composite, figure(report.overall, entry.minimum), elements, rank)


def from_row(entry: Entry, row: UnitRow | None, rank: Rank | None) -> UnitFigures:
    """A sub-unit's figures, as the row of its parent's officer report gives them."""
    if row is None:
        return withheld(entry)
    composite = figure(row.composite, entry.minimum)
    if composite is None or row.verdict.verdict == INSUFFICIENT:
        return withheld(entry)
    elements = {key: figure(value, entry.minimum) for key, value in row.elements.items()}
    return UnitFigures(entry.code, entry.name, entry.level, entry.parent, True, row.verdict.verdict, row.n,
                       composite, figure(row.overall, entry.minimum), elements, rank)


async def sibling_rank(catalog: Catalog, entry: Entry, period: Period, report_of: ReportOf) -> Rank | None:
    """The unit's rank band among its siblings, from its parent's report: only when every sibling is public
    (a band counted among hidden provinces would say something about them)."""
    if entry.parent is None or not catalog.all_children_visible(entry.parent):
        return None
    parent = await report_of(entry.parent, period)
    return ranks(parent.ranking if parent else None).get(entry.code)


async def unit_figures(catalog: Catalog, code: str, period: Period, report_of: ReportOf) -> UnitFigures:
    entry = catalog.page(code)
    if not entry.aggregate:
        return withheld(entry)
    figures = from_report(entry, await report_of(code, period), None)
    if not figures.published:
        return figures
    rank = await sibling_rank(catalog, entry, period, report_of)
    return msgspec.structs.replace(figures, rank=rank)


async def unit_view(catalog: Catalog, code: str, period: Period, report_of: ReportOf) -> UnitView:
    """A unit's page: its figures, its trend over the last quarters, its public sub-units with rank bands."""
    entry = catalog.page(code)
    own = await unit_figures(catalog, code, period, report_of)
    report = await report_of(code, period)
    rows = {row.code: row for row in report.subunits} if report else {}
    bands = ranks(report.ranking if report else None) if catalog.all_children_visible(code) else {}
    children = []
    for child in catalog.visible_children(code):
        shown = from_row(child, rows.get(child.code), None)
        children.append(msgspec.structs.replace(shown, rank=bands.get(child.code) if shown.published else None))
    trend = []
    for quarter in last_quarters(period, TREND_QUARTERS):
        if quarter == period or not entry.aggregate:  # no figure of its own: no report to compute
            point = own if quarter == period else withheld(entry)
        else:
            point = from_report(entry, await report_of(code, quarter), None)
        trend.append(TrendPoint(quarter.label, point.verdict, point.composite))
    elements = [row.key for row in report.elements] if report else []
    return UnitView(period.label, report.target if report else DEFAULT_TARGET, entry.minimum, own,
                    catalog.crumbs(code), trend, children, elements)


async def period_units(catalog: Catalog, period: Period, report_of: ReportOf,
                       under: str | None = None) -> list[UnitFigures]:
    """Every public unit (or the unit ``under`` and its public sub-units) with its own report's figures."""
    entries = catalog.in_tree_order()
    if under is not None:
        catalog.page(under)
        entries = [catalog.units[under], *catalog.visible_children(under)]
    return [await unit_figures(catalog, e.code, period, report_of) for e in entries]
