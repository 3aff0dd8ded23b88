"""Build a report from the database: validate the request, run the queries, compute the figures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import instruments
from instruments.registry import UnknownInstrument
from stats.target import TargetRule, check_tau
from survey.core.periods import Period, month_label, parse_period
from survey.reports import totals_query as query
from survey.reports.compute import ElementSpec, ReportInputs, compute_report
from survey.reports.model import PortalScore, Report
from survey.reports.weighting import post_stratification

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
    definition = instrument.index_definition()
    if len(definition.elements) > len(query.ELEMENT_COLUMNS) or any(len(e.item_codes) != 1 for e in definition.elements):
        raise ValueError(f"instrument {instrument.key!r} does not fit the stored element ratings "
                         f"(at most {len(query.ELEMENT_COLUMNS)} elements of one rating each)")
    return tuple(ElementSpec(e.key, instrument.element(e.key).title.get(lang), e.weight, column)
                 for e, column in zip(definition.elements, query.ELEMENT_COLUMNS))


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
    instrument = instruments.get(request.instrument)
    elements = element_specs(instrument, lang)
    satisfied = instrument.index_definition().satisfied_values
    scope = await query.scope_unit(request.scope)
    units = await query.units_under(scope)
    strata = await query.strata_of(scope)
    window = request.period.ending_window(TREND_MONTHS)
    first = min(window.first, request.period.previous().first)
    period = request.period
    months = [month_label(m) for m in range(first, period.last + 1)]
    all_cells = await query.cell_counts(strata, instrument.key, months,
                                        [e.column for e in elements] + [query.OVERALL_COLUMN], satisfied)
    cells = all_cells.valid()
    volumes = await query.dossier_volumes(month_label(first), period.last_month, sorted(set(cells.unit.tolist())))
    rate = await receipt_response_rate(scope.code, period, timezone)
    portal = await query.portal_counts(scope, period.first_month, period.last_month)
    return await asyncio.to_thread(compute_report, ReportInputs(
        scope=scope, units=units, cells=cells, all_cells=all_cells, weighting=post_stratification(cells, volumes),
        period=period, trend_window=window, instrument_key=instrument.key, instrument_title=instrument.title(lang),
        elements=elements, rule=TargetRule(tau=request.target), include_centres=request.centres,
        response_rate=rate, portal=portal_score(portal),
    ))
