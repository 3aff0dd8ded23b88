"""Officer report pages: the dashboard, the report page and its PDF / XLSX / JSON downloads.

Managers see their own unit and everything under it (``authorize_unit`` answers 403 for any other
scope, whatever the URL says); administrators see everything; researchers work on exports, not here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from survey.accounts.guards import CurrentOfficer, OfficerDependency, authorize_unit, require_roles
from survey.admin.review import flagged_backlog
from survey.alerts.services import alerts_in_scope
from survey.audit import record
from survey.core.i18n import gettext
from survey.core.periods import month_label, parse_period
from survey.db.engine import write_transaction
from survey.db.tables import Unit
from survey.errors import wants_json
from survey.feedback.services import overdue_count
from survey.reports import formatting, inputs, labels, views
from survey.reports import totals_query as query
from survey.reports.cache import cached_report
from survey.reports.definitions import DefinitionsDiffer
from survey.reports.formats import get_format
from survey.reports.letterhead import letterhead_for
from survey.reports.model import Report
from survey.reports.render_html import TEMPLATES, report_context
from survey.reports.services import DEFAULT_INSTRUMENT, Clock, ReportRequest, last_complete_month, parse_request

# "scope" is litestar's name for the ASGI scope, so the query parameter reaches the handlers as ``unit``.
ScopeQuery = Annotated[str | None, QueryParameter(name="scope")]
Text = FromQuery[str | None]
DOWNLOADS = ["/reports/report.pdf", "/reports/report.docx", "/reports/report.xlsx", "/reports/report.json"]
STYLESHEET = TEMPLATES / "reports" / "report.css"


def _settings(request: Request):
    return request.app.state["settings"]


async def _default_scope(officer: CurrentOfficer) -> str:
    if officer.unit_code:
        return officer.unit_code
    root = await Unit.select(Unit.code).where(Unit.parent.is_null()).order_by(Unit.id).first()
    if root is None:
        raise NotFoundException("Chưa có đơn vị nào. / No units yet.")
    return root["code"]


async def _unit_code(text: str | None) -> str:
    """The stored code of the unit typed in any case ("nb" → "NB"); InputError when no unit has it."""
    variants = inputs.code_variants(text)
    found = {row["code"] for row in await Unit.select(Unit.code).where(Unit.code.is_in(variants))}
    for code in variants:
        if code in found:
            return code
    raise inputs.InputError("scope", f"Không có đơn vị nào mang mã \u201c{variants[0]}\u201d.")


async def _read_request(officer: CurrentOfficer, scope: str | None, period: str | None, instrument: str | None,
                        target: str | None, centres: bool, design: str | None = None) -> ReportRequest:
    """The request from what the officer typed; InputError (Vietnamese, naming the field) for a bad field."""
    code = await _unit_code(scope)
    try:
        report_request = parse_request(code, inputs.read_period(period), instrument, inputs.read_target(target),
                                       centres, design)
    except inputs.InputError:
        raise
    except ValueError as problem:
        raise ClientException(str(problem)) from None
    await _authorize_scope(officer, report_request.scope)
    return report_request


async def _authorized_request(officer: CurrentOfficer, scope: str | None, period: str | None, instrument: str | None,
                              target: str | None, centres: bool, design: str | None = None) -> ReportRequest:
    """As :func:`_read_request`, a bad field answered with a 400 carrying its Vietnamese message."""
    try:
        return await _read_request(officer, scope, period, instrument, target, centres, design)
    except inputs.InputError as problem:
        raise ClientException(problem.message) from None


async def _authorize_scope(officer: CurrentOfficer, code: str) -> query.ScopeUnit:
    """The unit if the officer may see it: 400 for a code that names no unit, 403 outside their scope."""
    try:
        unit = await authorize_unit(officer, code)
    except NotFoundException:
        raise ClientException(f"Không có đơn vị nào mang mã \u201c{code}\u201d.") from None
    return query.ScopeUnit(unit["id"], unit["code"], unit["name"], unit["level"], unit["path"])


def _query(request: ReportRequest) -> str:
    values = {"scope": request.scope, "period": request.period.label, "target": f"{request.target:g}"}
    if request.instrument != DEFAULT_INSTRUMENT:
        values["instrument"] = request.instrument
    if request.centres:
        values["centres"] = "1"
    if request.design != "cell":
        values["design"] = request.design
    return urlencode(values)


async def _report(request: Request, report_request: ReportRequest) -> Report:
    settings = _settings(request)
    formatting.activate(settings.language, settings.timezone)
    try:
        return await cached_report(report_request, settings.language, settings.timezone, _clock(request))
    except DefinitionsDiffer as refused:
        raise ClientException(str(refused)) from None


def _clock(request: Request) -> Clock:
    settings = _settings(request)
    return Clock.now(settings.timezone, settings.report_include_today)


def _period_choices(clock: Clock) -> list[dict[str, object]]:
    """The dashboard's period picker: the last twelve months and the last four quarters, newest first,
    the month and quarter in progress first and marked provisional."""
    month = clock.month_in_progress
    choices: list[dict[str, object]] = [{"value": month_label(month), "provisional": True}]
    choices += [{"value": month_label(m), "provisional": False} for m in range(month - 1, month - 13, -1)]
    quarter_start = month - month % 3
    choices.append({"value": f"{quarter_start // 12}-Q{quarter_start % 12 // 3 + 1}", "provisional": True})
    for k in range(1, 5):
        start = quarter_start - 3 * k
        choices.append({"value": f"{start // 12}-Q{start % 12 // 3 + 1}", "provisional": False})
    return choices


async def _download(request: Request, officer: CurrentOfficer, report_request: ReportRequest, name: str) -> Response:
    output = get_format(name)
    report = await _report(request, report_request)
    body = await asyncio.to_thread(output.render, report, await letterhead_for(report_request.scope))
    async with write_transaction():
        await record("report.download", officer.username, target=report_request.scope,
                     period=report_request.period.label, format=name)
    file_name = f"chi-so-hai-long_{report_request.scope}_{report_request.period.label}.{name}".replace("..", "_")
    return Response(body, media_type=output.media_type,
                    headers={"content-disposition": f'attachment; filename="{file_name}"'})


def _csv_download(text: str, file_name: str) -> Response:
    """CSV with a byte-order mark, so Excel opens the Vietnamese names intact."""
    return Response(("\ufeff" + text).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{file_name}"'})


class ReportController(Controller):
    path = "/officer"
    guards = [require_roles("admin", "manager")]
    include_in_schema = False

    @get("/dashboard")
    async def dashboard(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                        period: Text = None, target: Text = None, design: Text = None) -> Template:
        """Is my unit on target, which units are below it, what changed since the last period."""
        scope = unit or await _default_scope(officer)
        # The last complete month by default: on the 1st the month just begun has (almost) no answers.
        period = period or last_complete_month(_clock(request))
        report_request = await _authorized_request(officer, scope, period, None, target, False,
                                                   design or _settings(request).report_design)
        report = await _report(request, report_request)
        context = await asyncio.to_thread(report_context, report, False)
        context |= {
            "query": _query(report_request),
            "below": [r for r in report.subunits if r.verdict.verdict == "not_met"],
            "unsettled": [r for r in report.subunits if r.verdict.verdict in ("inconclusive", "insufficient_data")],
            "form": {"scope": report_request.scope, "period": report_request.period.label,
                     "target": f"{report_request.target:g}", "design": report_request.design},
            "periods": _period_choices(_clock(request)),
            "overdue_comments": await overdue_count((await _authorize_scope(officer, scope)).path,
                                                    _settings(request).timezone),
            "scope_code": scope,
            "open_alerts": len(await alerts_in_scope(officer, open_only=True)),
            "flagged_backlog": await flagged_backlog(officer),
        }
        return Template("reports/dashboard.html", context=context)

    @get("/reports")
    async def page(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None, period: Text = None,
                   instrument: Text = None, target: Text = None, centres: Text = None,
                   format: Text = None, design: Text = None) -> Template | Response:
        scope = unit
        form = {"scope": scope or officer.unit_code or "", "period": period or "", "target": target or "95%",
                "centres": bool(centres)}
        if not scope and not period:
            return Template("reports/page.html", context={"report": None, "form": form, "errors": {}})
        design = design or _settings(request).report_design
        if format and format != "html":
            report_request = await _authorized_request(officer, scope, period, instrument, target, bool(centres), design)
        else:
            try:
                report_request = await _read_request(officer, scope, period, instrument, target, bool(centres), design)
            except inputs.InputError as problem:
                if wants_json(request):
                    raise ClientException(problem.message) from None
                # Shown beside the field, inside the officer layout, with what was typed kept.
                return Template("reports/page.html", status_code=400,
                                context={"report": None, "form": form, "errors": {problem.field: problem.message}})
        if format and format != "html":
            try:
                get_format(format)
            except ValueError as problem:
                raise ClientException(str(problem)) from None
            return await _download(request, officer, report_request, format)
        report = await _report(request, report_request)
        context = await asyncio.to_thread(report_context, report)
        context |= {"form": form, "query": _query(report_request), "errors": {}}
        return Template("reports/page.html", context=context)

    @get(DOWNLOADS)
    async def download(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                       period: Text = None, instrument: Text = None, target: Text = None,
                       centres: Text = None, design: Text = None) -> Response:
        report_request = await _authorized_request(officer, unit, period, instrument, target, bool(centres),
                                                   design or _settings(request).report_design)
        return await _download(request, officer, report_request, Path(request.url.path).suffix.lstrip("."))

    @get("/ranking")
    async def ranking(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                      period: Text = None, quarters: Text = None, sort: Text = None, order: Text = None,
                      target: Text = None, format: Text = None) -> Template | Response:
        """Every sub-unit × the last 4-8 quarters, sortable by links (no script), with a CSV download."""
        report_request, form, errors = await self._view_request(request, officer, unit, period, target)
        count = int(quarters) if (quarters or "").isdigit() else 4
        context = {"form": {**form, "quarters": count}, "errors": errors, "table": None, "L": labels,
                   "V": views}
        if report_request is None:
            return Template("reports/ranking.html", context=context, status_code=400)
        table = await views.ranking_table(report_request, count, *self._locale(request))
        column = int(sort) if (sort or "").isdigit() else None
        # By code A→Z until a quarter's heading is clicked, then highest first unless asked otherwise.
        descending = order == "desc" if column is None else order != "asc"
        rows = views.sort_rows(table, column, descending)
        if format == "csv":
            return _csv_download(views.ranking_csv(table, rows), f"xep-hang_{report_request.scope}.csv")
        base = {"scope": table.scope.scope.code, "period": table.quarters[-1], "quarters": str(count)}
        context |= {"table": table, "rows": rows, "sort": column, "order": "desc" if descending else "asc", "base": base,
                    "query": urlencode(base)}
        return Template("reports/ranking.html", context=context)

    @get("/compare")
    async def compare(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                      period: Text = None, before: Text = None, yoy: Text = None, target: Text = None) -> Template:
        """A period against another (the one before by default, or the same period a year earlier)."""
        report_request, form, errors = await self._view_request(request, officer, unit, period, target)
        earlier = None
        if report_request is not None:
            try:
                if yoy:
                    earlier = views.same_period_last_year(report_request.period)
                elif before:
                    earlier = parse_period(inputs.read_period(before))
                else:
                    earlier = report_request.period.previous()
                if views.overlap(earlier, report_request.period):
                    earlier = None
                    raise inputs.InputError("before", gettext(
                        "The two periods share months: choose a period before that does not overlap %(period)s.",
                        period=formatting.current().period(report_request.period.label)))
            except inputs.InputError as problem:
                errors[problem.field if problem.field != "period" else "before"] = problem.message
        context = {"form": {**form, "before": before or "", "yoy": bool(yoy)}, "errors": errors, "result": None,
                   "L": labels}
        if report_request is None or earlier is None:
            return Template("reports/compare.html", context=context, status_code=400)
        context["result"] = await views.comparison(report_request, earlier, *self._locale(request))
        return Template("reports/compare.html", context=context)

    @staticmethod
    def _locale(request: Request) -> tuple[str, str]:
        settings = _settings(request)
        formatting.activate(settings.language, settings.timezone)
        return settings.language, settings.timezone

    async def _view_request(self, request: Request, officer: CurrentOfficer, unit: str | None, period: str | None,
                            target: str | None) -> tuple[ReportRequest | None, dict, dict[str, str]]:
        """The request of a ranking / comparison page (defaults: the officer's unit, the last complete
        quarter); a bad field comes back as an inline message instead."""
        scope = unit or await _default_scope(officer)
        form = {"scope": scope, "period": period or "", "target": target or "95%"}
        if not period:
            month = _clock(request).month_in_progress
            period = views.quarter_of(parse_period(month_label(month - month % 3 - 1))).label
            form["period"] = period
        try:
            return await _read_request(officer, scope, period, None, target, False), form, {}
        except inputs.InputError as problem:
            return None, form, {problem.field: problem.message}

    @get("/reports/report.css")
    async def stylesheet(self) -> Response:
        return Response(STYLESHEET.read_bytes(), media_type="text/css")
