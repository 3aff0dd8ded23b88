"""Charts render the same bytes whether requests draw them one at a time or all at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from survey.reports.charts import funnel_chart, trend_chart
from survey.reports.services import build_report, parse_request

PNG = b"\x89PNG\r\n\x1a\n"


async def test_charts_are_safe_under_concurrent_requests(demo, engine_name):
    reports = [await build_report(parse_request(scope, "2026-Q3")) for scope in ("NB", "LC")]
    alone = [(trend_chart(r), funnel_chart(r)) for r in reports]
    assert all(png.startswith(PNG) for pair in alone for png in pair)
    assert alone[0][0] != alone[1][0]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda i: (trend_chart(reports[i % 2]), funnel_chart(reports[i % 2])), range(16)))
    assert all(pair == alone[i % 2] for i, pair in enumerate(together))
