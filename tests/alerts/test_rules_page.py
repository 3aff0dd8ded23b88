"""/officer/alerts/rules: the alert rules on the web. A national administrator sets the default of all units;
a manager sets their own units' rules only; bad input is a message in Vietnamese; a real browser sets a rule
(screenshots at 360 and 1280 px)."""

from __future__ import annotations

import asyncio

import pytest

from survey.alerts import services
from survey.db.tables import AlertRule
from tests.accounts.fixtures import HTML, PASSWORDS, login, post_form
from tests.support import CHROMIUM, artifact, launch_chromium, survey_serve

RULE = {"kind": "flagged_burst", "threshold": "5", "enabled": "1", "recipients": "a@nb.gov.vn\nb@nb.gov.vn"}


async def stored() -> list[dict]:
    return await AlertRule.select(AlertRule.unit.code.as_alias("unit"), AlertRule.kind, AlertRule.enabled,
                                  AlertRule.threshold, AlertRule.recipients).order_by(AlertRule.id)


async def test_a_manager_sets_their_units_rules_only(client):
    await services.set_rule("LC", "overdue_comments", True, 3, ["lc@lc.gov.vn"], actor="t")
    await login(client, "nbmanager")
    assert (await post_form(client, "/officer/alerts/rules", {**RULE, "unit": "NB-001-TT"},
                            page="/officer/alerts/rules")).status_code == 303
    assert (await stored())[-1] == {"unit": "NB-001-TT", "kind": "flagged_burst", "enabled": True, "threshold": 5,
                                    "recipients": "a@nb.gov.vn\nb@nb.gov.vn"}
    page = (await client.get("/officer/alerts/rules", headers=HTML)).text
    assert "NB-001-TT" in page and "a@nb.gov.vn, b@nb.gov.vn" in page and "lc@lc.gov.vn" not in page
    outside = await post_form(client, "/officer/alerts/rules", {**RULE, "unit": "LC"}, page="/officer/alerts/rules")
    assert outside.status_code == 403
    await post_form(client, "/officer/alerts/rules", {**RULE, "unit": ""}, page="/officer/alerts/rules")
    page = (await client.get("/officer/alerts/rules", headers=HTML)).text
    assert "Chỉ quản trị viên toàn quốc đặt được quy tắc chung" in page
    for bad, message in (({"threshold": "0"}, "Ngưỡng phải từ 1"), ({"threshold": "nhiều"}, "số nguyên"),
                         ({"recipients": "không phải thư"}, "Địa chỉ thư không hợp lệ"),
                         ({"kind": "nothing"}, "Loại cảnh báo không hợp lệ")):
        assert (await post_form(client, "/officer/alerts/rules", {**RULE, "unit": "NB", **bad},
                                page="/officer/alerts/rules")).status_code == 303
        assert message in (await client.get("/officer/alerts/rules", headers=HTML)).text
    assert len(await stored()) == 2


async def test_a_national_administrator_sets_the_default(client):
    await login(client, "admin")
    await post_form(client, "/officer/alerts/rules", {**RULE, "unit": "", "enabled": ""}, page="/officer/alerts/rules")
    assert await stored() == [{"unit": None, "kind": "flagged_burst", "enabled": False, "threshold": 5,
                               "recipients": "a@nb.gov.vn\nb@nb.gov.vn"}]
    assert await services.rule_for("flagged_burst", "/1/2/") == (False, 5, ["a@nb.gov.vn", "b@nb.gov.vn"])


async def test_researchers_are_refused(client):
    await login(client, "researcher")
    assert (await client.get("/officer/alerts/rules", headers=HTML)).status_code == 403


def set_rule_in_browser(base_url: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(locale="vi-VN")
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill("nbmanager")
        page.get_by_label("Mật khẩu").fill(PASSWORDS["nbmanager"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name="Quy tắc cảnh báo").click()
        page.get_by_label("Loại cảnh báo").select_option(label="Góp ý quá hạn xử lý (mặc định 1)")
        page.get_by_label("Ngưỡng (số lần, từ 1)").fill("4")
        page.get_by_label("Người nhận thư (mỗi dòng một địa chỉ)").fill("lanhdao@ninhbinh.gov.vn")
        page.get_by_role("button", name="Lưu quy tắc").click()
        flash = page.locator(".flash").inner_text()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            if shot := artifact(f"alert-rules-{width}.png"):
                page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return flash


@pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
async def test_a_manager_sets_a_rule_in_a_real_browser(world, tmp_path):
    with survey_serve(tmp_path / "server.log") as base_url:
        flash = await asyncio.to_thread(set_rule_in_browser, base_url)
    assert flash.startswith("Đã lưu quy tắc cảnh báo")
    assert (await stored())[-1] == {"unit": "NB", "kind": "overdue_comments", "enabled": True, "threshold": 4,
                                    "recipients": "lanhdao@ninhbinh.gov.vn"}
