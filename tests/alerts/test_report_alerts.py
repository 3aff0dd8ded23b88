"""below_target and ewma_drop alerts from the provinces' reports on the demo data (both engines): raised for
exactly the units whose index is certainly below target in the last complete month, once."""

from __future__ import annotations

from datetime import UTC, datetime

from survey.alerts import services
from survey.core.periods import parse_period
from survey.db.tables import Alert
from survey.reports.services import ReportRequest, build_report
from tests.reports.conftest import demo  # noqa: F401  (fixture)

TZ = "Asia/Ho_Chi_Minh"


async def test_units_certainly_below_target_are_alerted_once(demo):  # noqa: F811
    now = datetime(2026, 10, 15, 3, tzinfo=UTC)
    raised = await services.check_reports(now, TZ)
    expected = set()
    for province in ("NB", "LC"):
        report = await build_report(ReportRequest(scope=province, period=parse_period("2026-09")), timezone=TZ)
        if report.composite_verdict.verdict == "not_met":
            expected.add(province)
        expected |= {row.code for row in report.subunits if row.verdict.verdict == "not_met"}
    rows = await Alert.select(Alert.kind, Alert.unit.code.as_alias("code"), Alert.key)
    assert {r["code"] for r in rows if r["kind"] == "below_target"} == expected
    assert all(r["key"].endswith(":2026-09") for r in rows)
    assert expected, "the demo has no unit certainly below target: the test would prove nothing"
    assert len(raised) == len(rows)
    assert await services.check_reports(now, TZ) == []
