"""Build a report from the database: validate the request, run the queries, compute the figures."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

import instruments
from instruments.registry import UnknownInstrument
from stats.target import TargetRule, check_tau
from survey.core.periods import Period, month_label, parse_period
from survey.core.ratings import ELEMENT_COLUMNS, OVERALL_COLUMN
from survey.reports import definitions
from survey.reports import totals_query as query
from survey.reports.compute import ElementSpec, ReportInputs, compute_report
from survey.reports.design import (
    DEFAULT_DESIGN,
    VOLUME_HISTORY_MONTHS,
    cell_volumes,
    check_design,
    counter_day_design,
    respondent_design,
    working_days,
)
from survey.reports.feedback_figures import comments_on_time
from survey.reports.model import PortalScore, Report
from survey.scoring import check_fits

DEFAULT_INSTRUMENT = "sipas_qr"
DEFAULT_TARGET = 0.95
TREND_MONTHS = 12


@dataclass(frozen=True)
class ReportRequest:
    scope: str
    period: Period
    instrument: str = DEFAULT_INSTRUMENT
    target: float = DEFAULT_TARGET
    centres: bool = False
    design: str = DEFAULT_DESIGN


def parse_request(scope: str | None, period: str | None, instrument: str | None = None,
                  target: str | float | None = None, centres: bool = False,
                  design: str | None = None) -> ReportRequest:
    """A request from user text; ValueError naming the bad parameter."""
    scope = (scope or "").strip()
    if not scope:
        raise ValueError("scope is missing: give a unit code such as VN or NB")
    if target is None or target == "":
        tau = DEFAULT_TARGET
    else:
        try:
            tau = float(target)
        except ValueError:
            raise ValueError(f"target {target!r} is not a number; give a share such as 0.95") from None
        check_tau(tau)
    key = (instrument or DEFAULT_INSTRUMENT).strip()
    try:
        instruments.get(key)
    except UnknownInstrument:
        raise ValueError(f"unknown instrument {key!r}") from None
    return ReportRequest(scope, parse_period(period or ""), key, tau, centres,
                         check_design((design or DEFAULT_DESIGN).strip()))


def element_specs(instrument: instruments.Instrument, lang: str) -> tuple[ElementSpec, ...]:
    """The elements as the stored ratings hold them: the definition's elements in order, one column each."""
    definition = instrument.index_definition()
    check_fits(definition)
    return tuple(ElementSpec(e.key, instrument.element(e.key).title.get(lang), e.weight, column)
                 for e, column in zip(definition.elements, ELEMENT_COLUMNS))


def excluded_months_note(cells: query.PatternCounts, pooled: definitions.Pooled) -> list[str]:
    """Months read for the trend or the change with responses another, incomparable definition scored."""
    left_out = sorted(set(cells.month[~np.isin(cells.fingerprint, list(pooled.fingerprints))].tolist()))
    if not left_out:
        return []
    months = ", ".join(month_label(int(m)) for m in left_out)
    return [(f"Các tháng {months} được tính theo một cách tính chỉ số không so sánh được nên không có trong xu hướng "
             f"và so sánh kỳ trước. / Months {months} were scored by an index definition that is not comparable, so "
             "the trend and the change leave them out.")]


async def receipt_response_rate(scope_code: str, period: Period, timezone: str) -> float | None:
    """Share of receipts issued in the period (scope and below) that were answered; None without receipts."""
    from survey.receipts.services import response_rate

    issued = answered = 0
    for month in period.months:
        rate = await response_rate(scope_code, month, timezone)
        issued, answered = issued + rate.issued, answered + rate.answered
    return answered / issued if issued else None


def portal_score(counts: query.PortalCounts) -> PortalScore | None:
    """Decision 766/QĐ-TTg's score, when the portal's ratings were imported for some unit-month."""
    if not counts.unit_months or not counts.dossiers:
        return None
    return PortalScore((counts.dossiers - counts.not_satisfied) / counts.dossiers, counts.dossiers,
                       counts.not_satisfied, counts.unit_months)


@dataclass(frozen=True)
class Clock:
    """When a report is computed, in the configured time zone: its cut-off and the month in progress."""

    today: date
    include_today: bool = False

    @property
    def last_day(self) -> date:
        """The last day whose answers the figures include."""
        return self.today if self.include_today else self.today - timedelta(days=1)

    def cutoff(self, timezone: str) -> datetime:
        """The first moment not included, as an aware datetime."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), ZoneInfo(timezone))

    @property
    def month_in_progress(self) -> int:
        return self.today.year * 12 + self.today.month - 1

    @property
    def progress(self) -> float:
        """Share of the month's working days up to the cut-off (for a volume estimated mid-month)."""
        day = self.last_day
        total = working_days(self.today.year, self.today.month)
        if (day.year, day.month) != (self.today.year, self.today.month):
            return 0.0
        return working_days(day.year, day.month, until=day) / total if total else 0.0

    def days_in(self, period: Period) -> float:
        """Calendar days of the period up to the cut-off."""
        first = date(period.first // 12, period.first % 12 + 1, 1)
        following = period.last + 1
        after = date(following // 12, following % 12 + 1, 1)
        end = min(after, self.last_day + timedelta(days=1))
        return float(max((end - first).days, 0))

    @classmethod
    def now(cls, timezone: str, include_today: bool = False) -> Clock:
        return cls(datetime.now(ZoneInfo(timezone)).date(), include_today)


def last_complete_month(clock: Clock) -> str:
    """The dashboard's default period: the last month that has ended."""
    return month_label(clock.month_in_progress - 1)


def report_months(request: ReportRequest) -> list[str]:
    """The months a report reads: its trend window and the previous period, up to the period's end."""
    first = min(request.period.ending_window(TREND_MONTHS).first, request.period.previous().first)
    return [month_label(m) for m in range(first, request.period.last + 1)]


async def build_report(request: ReportRequest, lang: str = "vi", timezone: str = "Asia/Ho_Chi_Minh",
                       clock: Clock | None = None) -> Report:
    """Query the design's sufficient statistics, then compute off the event loop."""
    clock = clock or Clock.now(timezone)
    latest = instruments.get(request.instrument)
    columns = (*ELEMENT_COLUMNS[:len(latest.index_definition().elements)], OVERALL_COLUMN)
    scope = await query.scope_unit(request.scope)
    units = await query.units_under(scope)
    strata = await query.strata_of(scope)
    window = request.period.ending_window(TREND_MONTHS)
    first = min(window.first, request.period.previous().first)
    period = request.period
    months = report_months(request)
    satisfied = latest.index_definition().satisfied_values
    cutoff = clock.cutoff(timezone)
    all_counts = await query.pattern_counts(strata, latest.key, months, columns, satisfied, cutoff)
    read = all_counts.valid()
    pooled = definitions.pooled_definition(latest.key, read, period)
    instrument, definition = pooled.instrument, pooled.definition
    elements = element_specs(instrument, lang)
    items = tuple(e.column for e in elements) + (OVERALL_COLUMN,)
    if definition.satisfied_values != satisfied or len(definition.elements) != len(latest.index_definition().elements):
        # Counted with the latest version's satisfied values: count again with the pooled definition's.
        all_counts = await query.pattern_counts(strata, latest.key, months, items, definition.satisfied_values,
                                                cutoff, pooled.fingerprints)
    counts = definitions.cells_of(pooled, all_counts)
    notes = excluded_months_note(read, pooled)
    unit_ids = sorted(set(counts.valid().unit.tolist()))
    volumes = await query.dossier_volumes(month_label(first - VOLUME_HISTORY_MONTHS), period.last_month, unit_ids)
    cells = cell_volumes(counts, volumes, clock.month_in_progress, clock.progress)
    if request.design == "counter-day":
        days = await query.counter_day_counts(strata, latest.key, months, items, definition.satisfied_values,
                                              timezone, cutoff, pooled.fingerprints)
        design = counter_day_design(days, cells)
    else:
        design = respondent_design(counts, cells)
    rate = await receipt_response_rate(scope.code, period, timezone)
    portal = await query.portal_counts(scope, period.first_month, period.last_month)
    in_progress = clock.month_in_progress if clock.month_in_progress <= period.last else None
    report = await asyncio.to_thread(compute_report, ReportInputs(
        scope=scope, units=units, design=design, all_counts=all_counts,
        period=period, trend_window=window, instrument_key=instrument.key, instrument_title=instrument.title(lang),
        elements=elements, rule=TargetRule(tau=request.target), include_centres=request.centres,
        cutoff=clock.last_day.isoformat(), in_progress=in_progress, days_in_period=clock.days_in(period),
        response_rate=rate, portal=portal_score(portal),
    ))
    report = dataclasses.replace(report, comments_on_time=await comments_on_time(scope.path, period.months, timezone))
    return dataclasses.replace(report, notes=[*report.notes, *notes], index_fingerprint=definition.fingerprint,
                               index_versions=list(pooled.versions))
