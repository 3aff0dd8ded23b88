"""A real browser scans, answers by clicking (and by keyboard with JavaScript off) and gets the thank-you page."""

from __future__ import annotations

import pytest

from survey.db.tables import Response
from tests.citizen.conftest import counter_token
from tests.support import CHROMIUM, artifact, launch_chromium

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
CHOICES = {
    "Nơi làm thủ tục: chỗ ngồi chờ, trang thiết bị": "5 · Rất hài lòng",
    "Công chức tiếp nhận, hướng dẫn và giải quyết hồ sơ của Ông/Bà": "4 · Hài lòng",
    "Nhìn chung, Ông/Bà hài lòng thế nào với dịch vụ hôm nay?": "4 · Hài lòng",
}


def survey_in_browser(url: str, javascript: bool, shot_name: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": 390, "height": 844},
                                      locale="vi-VN")
        page = context.new_page()
        page.on("request", lambda request: seen.append(request.url))
        first = page.goto(url)
        weight = first.request.sizes()["responseBodySize"]
        for legend, choice in CHOICES.items():
            page.locator("fieldset", has=page.locator("legend", has_text=legend)).get_by_text(choice).click()
        # Keyboard only: tab into the "procedures" group and move with the arrow keys, as a screen-reader user would.
        group = page.locator("fieldset", has=page.locator("legend", has_text="Thủ tục: được niêm yết"))
        group.locator("input").first.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.get_by_label("Thủ tục Ông/Bà vừa thực hiện").select_option(label="Đăng ký kết hôn")
        page.get_by_label("Ông/Bà có góp ý gì thêm không?", exact=False).fill("Nhanh, gọn")
        if shot := artifact(f"{shot_name}-form.png"):
            page.screenshot(path=str(shot), full_page=True)
        page.get_by_role("button", name="Gửi đánh giá").click()
        page.wait_for_load_state()
        heading = page.locator("h1").inner_text()
        if shot := artifact(f"{shot_name}-thanks.png"):
            page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return {"heading": heading, "weight": weight, "requests": seen}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_citizen_answers_in_a_real_browser(place, live_server, javascript, engine_name):
    import asyncio

    token = await counter_token(place, "NB-001-TT-Q1")
    url = f"{live_server}/q/{token}"
    result = await asyncio.to_thread(survey_in_browser, url, javascript, f"survey-{engine_name}-{'js' if javascript else 'nojs'}")
    assert result["heading"] == "Cảm ơn Ông/Bà đã đánh giá!"
    assert 0 < result["weight"] < 30 * 1024
    # One page, one submission: nothing else is fetched from anywhere.
    assert [u.split("?")[0] for u in result["requests"]] == [url, url]
    rows = await Response.select(Response.e1, Response.e2, Response.e3, Response.overall, Response.procedure.code)
    assert rows == [{"e1": 5, "e2": 3, "e3": 4, "overall": 4, "procedure.code": "1.000894"}]
