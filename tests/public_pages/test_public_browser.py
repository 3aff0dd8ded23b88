"""A citizen on a 360 px phone, JavaScript off, walks the public tree: country, the published province, its
busiest commune, that commune's centre, then the English page. Screenshots go to SURVEY_TEST_ARTIFACTS; no
page scrolls sideways, none loads a script, each is under 50 KB, and the private province is nowhere."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import CHROMIUM, artifact, launch_chromium, survey_serve

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
PHONE = {"width": 360, "height": 740}


def walk(base_url: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"pages": [], "sideways": {}, "sizes": {}, "scripts": {}}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
        page = context.new_page()
        sizes: dict[str, int] = {}
        page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.request.resource_type == "document"
                else None)

        def look(name: str) -> None:
            seen["pages"].append(page.locator("h1").inner_text())
            seen["sideways"][name] = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            seen["scripts"][name] = page.locator("script").count()
            seen["sizes"][name] = sizes.get(page.url, -1)
            if shot := artifact(f"public-phone-{name}.png"):
                page.screenshot(path=str(shot), full_page=True)

        page.goto(f"{base_url}/cong-khai?ky=2026-Q3")
        look("country")
        seen["country_text"] = page.locator("main").inner_text()
        page.get_by_role("link", name="Tỉnh Ninh Bình").first.click()
        page.wait_for_load_state()
        look("province")
        seen["province_text"] = page.locator("main").inner_text()
        # The commune with the most answers: the largest count among the sub-unit lines.
        communes = page.locator("ul.rows li", has=page.locator("a.name", has_text="Xã"))
        best, best_n = None, -1
        for i in range(communes.count()):
            text = communes.nth(i).inner_text()
            if "phiếu" in text:
                n = int(text.rsplit("phiếu", 1)[0].split()[-1].replace(".", ""))
                if n > best_n:
                    best, best_n = communes.nth(i).locator("a.name"), n
        best.click()
        page.wait_for_load_state()
        look("commune")
        page.locator("ul.rows li a.name").first.click()
        page.wait_for_load_state()
        look("centre")
        seen["centre_text"] = page.locator("main").inner_text()
        page.get_by_role("link", name="English").click()
        page.wait_for_load_state()
        look("centre-en")
        seen["lang"] = page.locator("html").get_attribute("lang")
        seen["centre_en_text"] = page.locator("main").inner_text()
        browser.close()
    return seen


async def test_the_public_tree_on_a_phone(published, tmp_path, engine_name):
    with survey_serve(tmp_path / "server.log") as base_url:
        seen = await asyncio.to_thread(walk, base_url)
    assert seen["pages"][:2] == ["Việt Nam", "Tỉnh Ninh Bình"]
    assert "Lào Cai" not in seen["country_text"] and "Lào Cai" not in seen["province_text"]
    assert "Chỉ số hài lòng chung" in seen["province_text"] and "Khoảng tin cậy 95%" in seen["province_text"]
    assert "Xu hướng theo quý" in seen["centre_text"] and "Số phiếu" in seen["centre_text"]
    assert seen["lang"] == "en" and "Composite satisfaction index" in seen["centre_en_text"]
    assert seen["pages"][-1] == seen["pages"][-2]
    assert set(seen["sideways"].values()) == {0}, seen["sideways"]
    assert set(seen["scripts"].values()) == {0}
    assert all(0 < size < 50_000 for size in seen["sizes"].values()), seen["sizes"]
