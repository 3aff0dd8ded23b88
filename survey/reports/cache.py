"""Computed reports kept per (request, language, zone, clock, data version): a page asked for again is not
recomputed until a response it counts changes.

The data version (``survey.rollup.versions.scope_data_version``) moves whenever the rollup cells the report
reads change, in the same transaction as the change, so a kept report is never one the data has outgrown.
Dossier volumes, receipts and portal counts are not versioned: an entry lives at most ``REPORT_TTL_S``, which
bounds how long a newly imported volume takes to show. Concurrent requests for the same report share one
computation (``EngineCache``'s single flight); a different clock day (the cut-off) is a different report.
"""

from __future__ import annotations

from survey.db.cache import EngineCache
from survey.reports import totals_query as query
from survey.reports.model import Report
from survey.reports.services import Clock, ReportRequest, build_report, report_months
from survey.rollup.versions import scope_data_version

REPORT_TTL_S = 600.0
_reports = EngineCache(ttl=REPORT_TTL_S)


async def cached_report(request: ReportRequest, lang: str, timezone: str, clock: Clock | None = None) -> Report:
    """The report :func:`build_report` would compute now, from the cache when its data has not changed."""
    clock = clock or Clock.now(timezone)
    scope = await query.scope_unit(request.scope)
    version = await scope_data_version(scope.path, scope.ancestor_ids, report_months(request))
    key = ("report", request, lang, timezone, clock, version)
    return await _reports.get(key, lambda: build_report(request, lang, timezone, clock))


def forget_reports() -> None:
    """Drop every kept report of the current database (after data the version does not cover changed)."""
    _reports.forget()
