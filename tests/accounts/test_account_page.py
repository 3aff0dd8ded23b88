"""/officer/account: an officer sets the address digests go to and opts out of them; a bad address is refused
with a message in Vietnamese; nobody changes another officer's settings through it."""

from __future__ import annotations

import asyncio

import pytest

from survey.db.tables import AuditLog, Officer
from tests.accounts.fixtures import HTML, PASSWORDS, login, post_form
from tests.support import CHROMIUM, artifact, launch_chromium, survey_serve


async def settings_of(username: str) -> dict:
    return await Officer.select(Officer.email, Officer.digests).where(Officer.username == username).first()


async def test_manager_sets_address_and_opts_out(client):
    assert (await settings_of("nbmanager")) == {"email": "", "digests": True}  # receiving is the default
    await login(client, "nbmanager")
    page = await client.get("/officer/account", headers=HTML)
    assert page.status_code == 200 and 'name="digests" value="1" checked' in page.text
    saved = await post_form(client, "/officer/account", {"email": "lanhdao@ninhbinh.gov.vn", "digests": "1",
                                                         "username": "lcmanager"}, page="/officer/account")
    assert saved.status_code == 303
    assert (await settings_of("nbmanager")) == {"email": "lanhdao@ninhbinh.gov.vn", "digests": True}
    assert (await settings_of("lcmanager"))["email"] == ""  # a posted username changes nothing
    await post_form(client, "/officer/account", {"email": "lanhdao@ninhbinh.gov.vn"}, page="/officer/account")
    assert (await settings_of("nbmanager"))["digests"] is False  # the box unticked: opted out
    page = await client.get("/officer/account", headers=HTML)
    assert 'name="digests" value="1">' in page.text and "Đã lưu" in page.text
    assert await AuditLog.count().where(AuditLog.action == "account.mail", AuditLog.actor == "nbmanager") == 2


async def test_bad_address_is_refused_in_vietnamese(client):
    await login(client, "nbmanager")
    await post_form(client, "/officer/account", {"email": "not an address", "digests": "1"}, page="/officer/account")
    page = await client.get("/officer/account", headers=HTML)
    assert "Địa chỉ thư không hợp lệ" in page.text
    assert (await settings_of("nbmanager"))["email"] == ""


async def test_form_without_csrf_token_is_refused(client):
    await login(client, "nbmanager")
    refused = await client.post("/officer/account", data={"email": "x@y.vn"}, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    assert (await settings_of("nbmanager"))["email"] == ""


def opt_out_in_browser(base_url: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(locale="vi-VN")
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill("nbmanager")
        page.get_by_label("Mật khẩu").fill(PASSWORDS["nbmanager"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("link", name="Cài đặt của tôi").click()
        page.get_by_label("Địa chỉ thư điện tử").fill("lanhdao@ninhbinh.gov.vn")
        page.get_by_label("Nhận bản tin tuần", exact=False).uncheck()
        page.get_by_role("button", name="Lưu").click()
        flash = page.locator(".flash").inner_text()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 700})
            if shot := artifact(f"account-{width}.png"):
                page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return flash


@pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")
async def test_a_manager_opts_out_in_a_real_browser(world, tmp_path):
    with survey_serve(tmp_path / "server.log") as base_url:
        flash = await asyncio.to_thread(opt_out_in_browser, base_url)
    assert flash.startswith("Đã lưu")
    assert (await settings_of("nbmanager")) == {"email": "lanhdao@ninhbinh.gov.vn", "digests": False}
