"""A real browser on the demo: the units and counters pages searched without diacritics and paged with the
search kept, and the review queue grouped by counter and day with its backlog on the dashboard. Screenshots at
1280 px and on a 360 px phone go to SURVEY_TEST_ARTIFACTS; on the phone no page scrolls sideways."""

from __future__ import annotations

import asyncio

import pytest

from tests.citizen.conftest import live_server  # noqa: F401  (fixture)
from tests.reports.test_officer_views_browser import DESKTOP, PHONE, log_in, shoot, sideways
from tests.support import CHROMIUM, launch_chromium

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")


@pytest.fixture
def place(demo):
    return demo


def work(base_url: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"sideways": {}}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="vi-VN")
            page = log_in(context, base_url)
            page.goto(f"{base_url}/officer/admin/units")
            seen[f"{device}-units-rows"] = page.locator("table tbody tr").count()
            seen[f"{device}-units-count"] = page.locator("p.count").inner_text()
            page.fill("#q", "hoa lu")
            page.get_by_role("button", name="Tìm").click()
            page.wait_for_load_state()
            seen[f"{device}-units-found"] = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
            seen["sideways"][f"{device}-units"] = sideways(page)
            shoot(page, f"{device}-units-search")
            page.fill("#q", "xa thu nghiem")
            page.get_by_role("button", name="Tìm").click()
            page.wait_for_load_state()
            page.locator("a[rel=next]").click()
            page.wait_for_load_state()
            seen[f"{device}-units-page2-url"] = page.url
            seen[f"{device}-units-page2"] = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
            seen[f"{device}-units-page2-count"] = page.locator("p.count").inner_text()
            seen["sideways"][f"{device}-units-page2"] = sideways(page)
            shoot(page, f"{device}-units-page2")
            page.goto(f"{base_url}/officer/admin/counters?q=trung+tam")
            first_page = page.locator("table tbody tr td:first-child").all_inner_texts()
            if page.locator("a[rel=next]").count():
                page.locator("a[rel=next]").click()
                page.wait_for_load_state()
                seen[f"{device}-counters-next-url"] = page.url
                seen[f"{device}-counters-second"] = page.locator("table tbody tr td:first-child").all_inner_texts()
            seen[f"{device}-counters-first"] = first_page
            seen[f"{device}-counters-query"] = page.locator("#q").input_value()
            seen["sideways"][f"{device}-counters"] = sideways(page)
            shoot(page, f"{device}-counters-page")
            page.goto(f"{base_url}/officer/review")
            seen[f"{device}-review-groups"] = page.locator("section.review-group").count()
            seen[f"{device}-review-first"] = page.locator("section.review-group h2").first.inner_text()
            seen[f"{device}-backlog"] = page.locator("p.backlog").inner_text()
            seen["sideways"][f"{device}-review"] = sideways(page)
            shoot(page, f"{device}-review")
            page.goto(f"{base_url}/officer/dashboard?scope=NB&period=2026-Q3")
            seen[f"{device}-dashboard-backlog"] = page.locator("#flagged-backlog .figure").inner_text()
            seen["sideways"][f"{device}-dashboard"] = sideways(page)
            shoot(page, f"{device}-dashboard-backlog")
            context.close()
        browser.close()
    return seen


async def test_lists_and_review_in_a_browser(live_server, engine_name):  # noqa: F811
    from survey.db.tables import Response, Unit
    from survey.units.services import import_units

    # 60 more communes, so that the demo's province has more than a page of units
    await import_units("code,name,level,parent_code\n" + "".join(f"NB-T{i:02d},Xã Thử Nghiệm {i},commune,NB\n"
                                                               for i in range(60)))
    flagged = await Response.count().where(Response.status == "flagged")
    units = await Unit.count()
    seen = await asyncio.to_thread(work, live_server)
    for device in ("desktop", "phone"):
        assert seen[f"{device}-units-rows"] == 50 and seen[f"{device}-units-count"] == f"Dòng 1–50 trong {units}"
        assert "q=xa+thu+nghiem" in seen[f"{device}-units-page2-url"] and "page=2" in seen[f"{device}-units-page2-url"]
        assert seen[f"{device}-units-page2-count"] == "Dòng 51–60 trong 60"
        assert len(seen[f"{device}-units-page2"]) == 10 and all("Thử Nghiệm" in n for n in seen[f"{device}-units-page2"])
        assert seen[f"{device}-units-found"] and all("Hoa Lư" in name for name in seen[f"{device}-units-found"])
        second = seen.get(f"{device}-counters-second")
        if second is not None:  # more than a page of counters: the next page keeps the search
            assert "q=trung+tam" in seen[f"{device}-counters-next-url"] and "page=2" in seen[f"{device}-counters-next-url"]
            assert set(second).isdisjoint(seen[f"{device}-counters-first"])
            assert seen[f"{device}-counters-query"] == "trung tam"
        assert flagged > 0 and seen[f"{device}-review-groups"] > 0
        assert seen[f"{device}-review-first"].count("/") == 2  # "dd/mm/yyyy · counter (code) · unit (code)"
        assert f"{min(flagged, 200)}" in seen[f"{device}-backlog"] or f"{flagged}" in seen[f"{device}-backlog"]
        assert seen[f"{device}-dashboard-backlog"] == str(flagged)
    assert not {k: v for k, v in seen["sideways"].items() if v}
