"""Two officer views built from the ordinary report, one report per period (no statistics of their own):

- the ranking table: every sub-unit of a scope × the last 4-8 quarters, with its index, interval, verdict
  and rank band (PAPI style: "between 3rd and 9th", never a bare league position);
- the comparison of two periods (any two, or the same period a year before) for a unit and its sub-units.

A change between the period and the one just before it is the report's own design-based contrast. Any two
periods with no month in common are compared by the same design: its strata are the weighting cells (unit ×
month), so two such periods rest on disjoint strata, whose estimates are independent by construction; the
variance of the change is exactly the sum of the two variances, on the degrees of freedom of the union of the
strata (the two domains' added). Two periods that share months would share cells, whose covariance the two
reports cannot give: the page asks for periods that do not overlap instead of showing a wrong interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from survey.core.periods import Period, parse_period
from survey.reports.cache import cached_report
from survey.reports.model import IndexValue, Report, UnitRow
from survey.reports.services import ReportRequest

MIN_QUARTERS, MAX_QUARTERS = 4, 8
Z95 = 1.959963984540054


@dataclass(frozen=True)
class RankCell:
    """One sub-unit in one quarter."""

    index: IndexValue
    verdict: str
    rank_lower: int | None
    rank_upper: int | None


@dataclass(frozen=True)
class RankingRow:
    code: str
    name: str
    cells: list[RankCell | None]


@dataclass(frozen=True)
class RankingTable:
    scope: Report
    quarters: list[str]
    rows: list[RankingRow]


def quarter_of(period: Period) -> Period:
    """The quarter holding the period's last month."""
    last = period.last
    first = last - last % 12 % 3
    return parse_period(f"{first // 12:04d}-Q{first % 12 // 3 + 1}")


def last_quarters(end: Period, count: int) -> list[Period]:
    count = max(MIN_QUARTERS, min(MAX_QUARTERS, count))
    quarters = [quarter_of(end)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


async def _reports(request: ReportRequest, periods: list[Period], lang: str, timezone: str) -> list[Report]:
    return [await cached_report(ReportRequest(request.scope, p, request.instrument, request.target), lang, timezone)
            for p in periods]


async def ranking_table(request: ReportRequest, quarters: int, lang: str, timezone: str) -> RankingTable:
    periods = last_quarters(request.period, quarters)
    reports = await _reports(request, periods, lang, timezone)
    names: dict[str, str] = {}
    by_quarter: list[dict[str, RankCell]] = []
    for report in reports:
        bands = {r.code: (r.rank_lower, r.rank_upper) for r in report.ranking.rows}
        cells = {}
        for row in report.subunits:
            names.setdefault(row.code, row.name)
            lower, upper = bands.get(row.code, (None, None))
            cells[row.code] = RankCell(row.composite, row.verdict.verdict, lower, upper)
        by_quarter.append(cells)
    rows = [RankingRow(code, name, [cells.get(code) for cells in by_quarter]) for code, name in names.items()]
    return RankingTable(reports[-1], [p.label for p in periods], rows)


def ranking_csv(table: RankingTable, rows: list[RankingRow]) -> str:
    """The table for a spreadsheet: per quarter the index, its bounds, the verdict and the rank band."""
    import csv
    import io

    from survey.reports.render_xlsx import safe

    out = io.StringIO()
    writer = csv.writer(out)
    header = ["code", "name"]
    for quarter in table.quarters:
        header += [f"{quarter} {c}" for c in ("index", "lower", "upper", "verdict", "rank_best", "rank_worst")]
    writer.writerow(header)
    for row in rows:
        values: list = [safe(row.code), safe(row.name)]
        for cell in row.cells:
            if cell is None or cell.verdict == "insufficient_data":  # below the minimum: no figure at all
                values += ["", "", "", cell.verdict if cell else "", "", ""]
                continue
            values += [_share(cell.index.value), _share(cell.index.lower), _share(cell.index.upper), cell.verdict,
                       cell.rank_lower or "", cell.rank_upper or ""]
        writer.writerow(values)
    return out.getvalue()


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def sort_rows(table: RankingTable, column: int | None, descending: bool) -> list[RankingRow]:
    """By one quarter's index (units without a figure last), or by code when ``column`` is None."""
    if column is None or not 0 <= column < len(table.quarters):
        return sorted(table.rows, key=lambda r: r.code, reverse=descending)

    def value(row: RankingRow) -> float | None:
        cell = row.cells[column]
        return None if cell is None or cell.verdict == "insufficient_data" else cell.index.value

    present = [r for r in table.rows if value(r) is not None]
    missing = [r for r in table.rows if value(r) is None]
    return sorted(present, key=value, reverse=descending) + sorted(missing, key=lambda r: r.code)


@dataclass(frozen=True)
class Difference:
    """``after`` minus ``before`` with its 95% interval; ``design_based`` when it is the report's contrast."""

    before: IndexValue
    after: IndexValue
    difference: float | None
    lower: float | None
    upper: float | None
    design_based: bool

    @property
    def significant(self) -> bool:
        return self.lower is not None and (self.lower > 0 or self.upper < 0)


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    name: str
    change: Difference
    verdict_before: str
    verdict_after: str


@dataclass(frozen=True)
class Comparison:
    before: Report
    after: Report
    scope: ComparisonRow
    rows: list[ComparisonRow]


def overlap(first: Period, second: Period) -> bool:
    """The two periods have a month in common (so weighting cells in common)."""
    return first.first <= second.last and second.first <= first.last


def disjoint(before: IndexValue, after: IndexValue) -> Difference:
    """The design-based change between two periods with no month in common: independent strata, so
    Var(after − before) = Var(after) + Var(before), with Student's t on the union's degrees of freedom."""
    if before.value is None or after.value is None or before.se is None or after.se is None:
        return Difference(before, after, None, None, None, False)
    from scipy.stats import t

    difference = after.value - before.value
    known = [d for d in (before.df, after.df) if d is not None and d > 0]
    # Degrees of freedom of a stratified design are PSUs minus strata; over disjoint strata they add up.
    quantile = float(t.ppf(0.975, sum(known))) if len(known) == 2 else Z95
    half = quantile * math.hypot(before.se, after.se)
    return Difference(before, after, difference, difference - half, difference + half, True)


def scope_change(before: Report, after: Report) -> Difference:
    change = after.change
    if change is not None and change.previous_period == before.period and change.difference is not None:
        return Difference(before.composite, after.composite, change.difference, change.lower, change.upper, True)
    return disjoint(before.composite, after.composite)


async def comparison(request: ReportRequest, before: Period, lang: str, timezone: str) -> Comparison:
    """``request.period`` (after) against ``before``, for the scope and each of its sub-units; the periods
    must not overlap (see the module's note)."""
    if overlap(before, request.period):
        raise ValueError(f"{before.label} and {request.period.label} overlap")
    first, second = await _reports(request, [before, request.period], lang, timezone)
    earlier: dict[str, UnitRow] = {row.code: row for row in first.subunits}
    rows = []
    for row in second.subunits:
        old = earlier.get(row.code)
        old_index = old.composite if old else IndexValue.missing()
        rows.append(ComparisonRow(row.code, row.name, disjoint(old_index, row.composite),
                                  old.verdict.verdict if old else "insufficient_data", row.verdict.verdict))
    head = ComparisonRow(second.scope.code, second.scope.name, scope_change(first, second),
                         first.composite_verdict.verdict, second.composite_verdict.verdict)
    return Comparison(first, second, head, rows)


def same_period_last_year(period: Period) -> Period:
    return parse_period(_shift_label(period.label))


def _shift_label(label: str) -> str:
    if ".." in label:
        return "..".join(_shift_label(part) for part in label.split(".."))
    year, rest = label[:4], label[4:]
    return f"{int(year) - 1:04d}{rest}"

