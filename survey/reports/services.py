"""Build a report from the database: validate the request, run the queries, compute the figures."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

import numpy as np

import instruments
from instruments.registry import UnknownInstrument
from stats.target import TargetRule, check_tau
from survey.reports import definitions
from survey.reports import totals_query as query
from survey.reports.compute import ElementSpec, ReportInputs, compute_report
from survey.reports.model import PortalScore, Report
from survey.reports.periods import Period, month_label, parse_period
from survey.reports.weighting import post_stratification
from survey.scoring import OVERALL_COLUMN, RATING_COLUMNS, check_fits

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


def parse_request(scope: str | None, period: str | None, instrument: str | None = None,
                  target: str | float | None = None, centres: bool = False) -> ReportRequest:
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
    return ReportRequest(scope, parse_period(period or ""), key, tau, centres)


def element_specs(instrument: instruments.Instrument, lang: str) -> tuple[ElementSpec, ...]:
    """The elements as the stored ratings hold them: the definition's elements in order, one column each."""
    definition = instrument.index_definition()
    check_fits(definition)
    return tuple(ElementSpec(e.key, instrument.element(e.key).title.get(lang), e.weight, column)
                 for e, column in zip(definition.elements, RATING_COLUMNS))


def excluded_months_note(cells: query.CellCounts, pooled: definitions.Pooled) -> list[str]:
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


async def build_report(request: ReportRequest, lang: str = "vi", timezone: str = "Asia/Ho_Chi_Minh") -> Report:
    """Query the cell counts, then compute off the event loop (a national report is seconds of numpy)."""
    latest = instruments.get(request.instrument)
    columns = [*RATING_COLUMNS[:len(latest.index_definition().elements)], OVERALL_COLUMN]
    scope = await query.scope_unit(request.scope)
    units = await query.units_under(scope)
    strata = await query.strata_of(scope)
    window = request.period.ending_window(TREND_MONTHS)
    first = min(window.first, request.period.previous().first)
    period = request.period
    months = [month_label(m) for m in range(first, period.last + 1)]
    satisfied = latest.index_definition().satisfied_values
    all_cells = await query.cell_counts(strata, latest.key, months, columns, satisfied)
    read = all_cells.valid()
    pooled = definitions.pooled_definition(latest.key, read, period)
    instrument, definition = pooled.instrument, pooled.definition
    elements = element_specs(instrument, lang)
    if definition.satisfied_values != satisfied or len(definition.elements) != len(latest.index_definition().elements):
        # Counted with the latest version's satisfied values: count again with the pooled definition's.
        all_cells = await query.cell_counts(strata, latest.key, months, [e.column for e in elements] + [OVERALL_COLUMN],
                                            definition.satisfied_values, pooled.fingerprints)
    cells = definitions.cells_of(pooled, all_cells.valid())
    notes = excluded_months_note(read, pooled)
    volumes = await query.dossier_volumes(month_label(first), period.last_month, sorted(set(cells.unit.tolist())))
    rate = await receipt_response_rate(scope.code, period, timezone)
    portal = await query.portal_counts(scope, period.first_month, period.last_month)
    report = await asyncio.to_thread(compute_report, ReportInputs(
        scope=scope, units=units, cells=cells, all_cells=all_cells, weighting=post_stratification(cells, volumes),
        period=period, trend_window=window, instrument_key=instrument.key, instrument_title=instrument.title(lang),
        elements=elements, rule=TargetRule(tau=request.target), include_centres=request.centres,
        response_rate=rate, portal=portal_score(portal),
    ))
    return dataclasses.replace(report, notes=[*report.notes, *notes], index_fingerprint=definition.fingerprint,
                               index_versions=list(pooled.versions))
