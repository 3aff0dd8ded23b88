"""Officer report pages: the dashboard, the report page and its PDF / XLSX / JSON downloads.

Managers see their own unit and everything under it (``authorize_unit`` answers 403 for any other
scope, whatever the URL says); administrators see everything; researchers work on exports, not here.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from survey.accounts.guards import CurrentOfficer, OfficerDependency, authorize_unit, require_roles
from survey.audit import record
from survey.db.engine import write_transaction
from survey.db.tables import Unit
from survey.alerts.services import alerts_in_scope
from survey.feedback.services import overdue_count
from survey.reports import totals_query as query
from survey.reports.formats import get_format
from survey.reports.model import Report
from survey.reports.render_html import TEMPLATES, report_context
from survey.reports.services import DEFAULT_INSTRUMENT, ReportRequest, build_report, parse_request

# "scope" is litestar's name for the ASGI scope, so the query parameter reaches the handlers as ``unit``.
ScopeQuery = Annotated[str | None, QueryParameter(name="scope")]
Text = FromQuery[str | None]
DOWNLOADS = ["/reports/report.pdf", "/reports/report.xlsx", "/reports/report.json"]
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


async def _authorized_request(officer: CurrentOfficer, scope: str | None, period: str | None, instrument: str | None,
                              target: str | None, centres: bool) -> ReportRequest:
    try:
        report_request = parse_request(scope, period, instrument, target, centres)
    except ValueError as problem:
        raise ClientException(str(problem)) from None
    await _authorize_scope(officer, report_request.scope)
    return report_request


async def _authorize_scope(officer: CurrentOfficer, code: str) -> query.ScopeUnit:
    """The unit if the officer may see it: 400 for a code that names no unit, 403 outside their scope."""
    try:
        unit = await authorize_unit(officer, code)
    except NotFoundException:
        raise ClientException(f"unknown unit {code!r}") from None
    return query.ScopeUnit(unit["id"], unit["code"], unit["name"], unit["level"], unit["path"])


def _query(request: ReportRequest) -> str:
    values = {"scope": request.scope, "period": request.period.label, "target": f"{request.target:g}"}
    if request.instrument != DEFAULT_INSTRUMENT:
        values["instrument"] = request.instrument
    if request.centres:
        values["centres"] = "1"
    return urlencode(values)


async def _report(request: Request, report_request: ReportRequest) -> Report:
    settings = _settings(request)
    return await build_report(report_request, settings.language, settings.timezone)


async def _download(request: Request, officer: CurrentOfficer, report_request: ReportRequest, name: str) -> Response:
    output = get_format(name)
    report = await _report(request, report_request)
    body = await asyncio.to_thread(output.render, report)
    async with write_transaction():
        await record("report.download", officer.username, target=report_request.scope,
                     period=report_request.period.label, format=name)
    file_name = f"chi-so-hai-long_{report_request.scope}_{report_request.period.label}.{name}".replace("..", "_")
    return Response(body, media_type=output.media_type,
                    headers={"content-disposition": f'attachment; filename="{file_name}"'})


class ReportController(Controller):
    path = "/officer"
    guards = [require_roles("admin", "manager")]
    include_in_schema = False

    @get("/dashboard")
    async def dashboard(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                        period: Text = None, target: Text = None) -> Template:
        """Is my unit on target, which units are below it, what changed since the last period."""
        scope = unit or await _default_scope(officer)
        if not period:
            unit = await _authorize_scope(officer, scope)
            latest = await query.latest_month(await query.strata_of(unit), DEFAULT_INSTRUMENT)
            period = latest or datetime.now(ZoneInfo(_settings(request).timezone)).strftime("%Y-%m")
        report_request = await _authorized_request(officer, scope, period, None, target, False)
        report = await _report(request, report_request)
        context = await asyncio.to_thread(report_context, report, False)
        context |= {
            "query": _query(report_request),
            "below": [r for r in report.subunits if r.verdict.verdict == "not_met"],
            "unsettled": [r for r in report.subunits if r.verdict.verdict in ("inconclusive", "insufficient_data")],
            "overdue_comments": await overdue_count((await _authorize_scope(officer, scope)).path,
                                                    _settings(request).timezone),
            "scope_code": scope,
            "open_alerts": len(await alerts_in_scope(officer, open_only=True)),
        }
        return Template("reports/dashboard.html", context=context)

    @get("/reports")
    async def page(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None, period: Text = None,
                   instrument: Text = None, target: Text = None, centres: Text = None,
                   format: Text = None) -> Template | Response:
        scope = unit
        form = {"scope": scope or officer.unit_code or "", "period": period or "", "target": target or "0.95",
                "centres": bool(centres)}
        if not scope and not period:
            return Template("reports/page.html", context={"report": None, "form": form})
        report_request = await _authorized_request(officer, scope, period, instrument, target, bool(centres))
        if format and format != "html":
            try:
                get_format(format)
            except ValueError as problem:
                raise ClientException(str(problem)) from None
            return await _download(request, officer, report_request, format)
        report = await _report(request, report_request)
        context = await asyncio.to_thread(report_context, report)
        context |= {"form": form, "query": _query(report_request)}
        return Template("reports/page.html", context=context)

    @get(DOWNLOADS)
    async def download(self, request: Request, officer: OfficerDependency, unit: ScopeQuery = None,
                       period: Text = None, instrument: Text = None, target: Text = None,
                       centres: Text = None) -> Response:
        report_request = await _authorized_request(officer, unit, period, instrument, target, bool(centres))
        return await _download(request, officer, report_request, Path(request.url.path).suffix.lstrip("."))

    @get("/reports/report.css")
    async def stylesheet(self) -> Response:
        return Response(STYLESHEET.read_bytes(), media_type="text/css")
