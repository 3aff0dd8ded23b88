"""A real browser on the demo, as an officer works: a mistyped period marked inline in Vietnamese, a unit
closed only after the confirmation says what will close, the ranking table sorted by its links, and two
periods compared. Screenshots at desktop width and on a 360 px phone go to SURVEY_TEST_ARTIFACTS; on the
phone no page scrolls sideways."""

from __future__ import annotations

import asyncio

import pytest

from survey.demo.loader import DEMO_ADMIN
from tests.citizen.conftest import live_server  # noqa: F401  (fixture)
from tests.support import CHROMIUM, artifact, launch_chromium

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def place(demo):
    return demo


def shoot(page, name: str) -> None:
    if shot := artifact(f"officer-{name}.png"):
        page.screenshot(path=str(shot), full_page=True)


def sideways(page) -> int | str:
    """How far the page itself scrolls sideways (0 when it fits), else the elements that stick out."""
    over = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if over <= 0:
        return 0
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
        .join('; ')""")


def log_in(context, base_url: str):
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("#username", DEMO_ADMIN[0])
    page.fill("#password", DEMO_ADMIN[1])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    return page


def work(base_url: str, download_dir) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"sideways": {}}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for device, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=True)
            page = log_in(context, base_url)
            # Inline validation
            page.goto(f"{base_url}/officer/reports")
            page.fill("#scope", "nb")
            page.fill("#period", "Quý 5/2026")
            page.fill("#target", "95")
            page.get_by_role("button", name="Xem báo cáo").click()
            page.wait_for_load_state()
            seen[f"{device}-error"] = page.locator("#period-error").inner_text()
            seen[f"{device}-error-invalid"] = page.locator("#period").get_attribute("aria-invalid")
            shoot(page, f"{device}-inline-error")
            seen["sideways"][f"{device}-inline-error"] = sideways(page)
            page.fill("#period", "Quý 3/2026")
            page.get_by_role("button", name="Xem báo cáo").click()
            page.wait_for_load_state()
            seen[f"{device}-report"] = page.locator("h1").inner_text()
            seen["sideways"][f"{device}-report"] = sideways(page)
            shoot(page, f"{device}-report")
            # Ranking table, sorted by its header links
            page.goto(f"{base_url}/officer/ranking?scope=NB&period=2026-Q3&quarters=4")
            seen["sideways"][f"{device}-ranking"] = sideways(page)
            shoot(page, f"{device}-ranking")
            headers = page.locator("table.ranking thead th")
            seen["quarters"] = headers.count() - 1
            headers.nth(4).locator("a").click()
            page.wait_for_load_state()
            seen[f"{device}-sorted-desc"] = page.locator("table.ranking tbody tr").evaluate_all(
                "rows => rows.map(r => r.cells[4].querySelector('strong')?.innerText || '')")
            page.locator("table.ranking thead th").nth(4).locator("a").click()
            page.wait_for_load_state()
            seen[f"{device}-sorted-asc"] = page.locator("table.ranking tbody tr").evaluate_all(
                "rows => rows.map(r => r.cells[4].querySelector('strong')?.innerText || '')")
            seen["bands"] = page.locator("table.ranking .band").count()
            seen["coloured"] = page.locator("table.ranking td.verdict-not_met, table.ranking td.verdict-met").count()
            if device == "desktop":
                with page.expect_download() as download:
                    page.get_by_role("link", name="Tải CSV").click()
                target = download_dir / "ranking.csv"
                download.value.save_as(target)
                seen["csv"] = target.read_bytes()
            # Comparison, then the same quarter a year before
            page.goto(f"{base_url}/officer/compare?scope=NB&period=2026-Q3")
            seen[f"{device}-compare"] = page.locator("table.compare tr.scope-row").inner_text()
            seen["sideways"][f"{device}-compare"] = sideways(page)
            shoot(page, f"{device}-compare")
            page.get_by_label("Cùng kỳ năm trước").check()
            page.get_by_role("button", name="So sánh").click()
            page.wait_for_load_state()
            seen[f"{device}-yoy"] = page.locator("p.lead").inner_text()
            # Confirm before close (once: it closes the province)
            page.goto(f"{base_url}/officer/admin/counters")
            seen["sideways"][f"{device}-counters"] = sideways(page)
            page.goto(f"{base_url}/officer/admin/units")
            seen["sideways"][f"{device}-units"] = sideways(page)
            if device == "phone":
                page.locator('a[href="/officer/admin/units/NB/close"]').click()
                page.wait_for_load_state()
                seen["confirm"] = page.locator("p.impact").inner_text()
                seen["sideways"]["phone-confirm"] = sideways(page)
                shoot(page, "phone-confirm-close")
                page.get_by_role("button", name="Xác nhận ngừng").click()
                page.wait_for_load_state()
                seen["after-close"] = page.content()
                shoot(page, "phone-units-after-close")
            context.close()
        browser.close()
    return seen


async def test_officer_pages_in_a_browser(live_server, tmp_path, engine_name):  # noqa: F811
    from survey.db.tables import Counter, Unit

    nb = await Unit.select(Unit.path).where(Unit.code == "NB").first()
    units = await Unit.count().where(Unit.path.like(nb["path"] + "%"))
    counters = await Counter.count().where(Counter.unit.path.like(nb["path"] + "%"))
    seen = await asyncio.to_thread(work, live_server, tmp_path)
    for device in ("desktop", "phone"):
        assert "Không hiểu kỳ" in seen[f"{device}-error"] and seen[f"{device}-error-invalid"] == "true"
        assert seen[f"{device}-report"].startswith("Chỉ số hài lòng — Tỉnh Ninh Bình (NB), Quý III/2026")
        descending = [float(v.rstrip("%").replace(",", ".")) for v in seen[f"{device}-sorted-desc"] if v]
        ascending = [float(v.rstrip("%").replace(",", ".")) for v in seen[f"{device}-sorted-asc"] if v]
        assert len(descending) >= 3 and descending == sorted(descending, reverse=True)
        assert ascending == sorted(descending)
        assert "điểm %" in seen[f"{device}-compare"] and "Tỉnh Ninh Bình" in seen[f"{device}-compare"]
        assert "Quý III/2026 so với Quý III/2025" in seen[f"{device}-yoy"]
    assert seen["quarters"] == 4 and seen["bands"] > 0 and seen["coloured"] > 0
    assert seen["csv"].startswith("\ufeff".encode()) and "Phường Hoa Lư" in seen["csv"].decode("utf-8-sig")
    assert f"Sẽ ngừng {units} đơn vị" in seen["confirm"] and f"và {counters} quầy" in seen["confirm"]
    assert seen["after-close"].count("(ngừng theo NB)") == units - 1
    assert (await Unit.select(Unit.active).where(Unit.code == "NB").first())["active"] is False
    assert not {k: v for k, v in seen["sideways"].items() if v}
