"""A real browser: log in, land on the officer home page, log out; the strict CSP reports no violation."""

from __future__ import annotations

import asyncio

import pytest

from tests.accounts.fixtures import PASSWORDS
from tests.support import CHROMIUM, artifact, launch_chromium, survey_serve

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")


@pytest.fixture
def officer_server(world, tmp_path):
    """``survey serve`` with two workers on the test's database; yields its base URL."""
    with survey_serve(tmp_path / "server.log", "--workers", "2") as base_url:
        yield base_url


def log_in_and_out(base_url: str, shot_prefix: str) -> dict:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(locale="vi-VN")
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
                if response.status >= 400 else None)
        page.goto(f"{base_url}/officer")
        login_url = page.url
        page.get_by_label("Tên đăng nhập").fill("nbmanager")
        page.get_by_label("Mật khẩu").fill(PASSWORDS["nbmanager"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()
        home_url, heading = page.url, page.locator("h1").inner_text()
        nav = page.get_by_role("navigation", name="Điều hướng chính").inner_text()
        background = page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        if shot := artifact(f"{shot_prefix}-officer-home.png"):
            page.screenshot(path=str(shot), full_page=True)
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_load_state()
        after_logout = page.url
        page.goto(f"{base_url}/officer")
        back_again = page.url
        if shot := artifact(f"{shot_prefix}-after-logout.png"):
            page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return {"login_url": login_url, "home_url": home_url, "heading": heading, "nav": nav,
            "background": background, "after_logout": after_logout, "back_again": back_again, "problems": problems}


async def test_officer_logs_in_and_out_in_a_real_browser(officer_server, engine_name):
    seen = await asyncio.to_thread(log_in_and_out, officer_server, f"accounts-{engine_name}")
    assert seen["login_url"] == f"{officer_server}/login?next=%2Fofficer"
    assert seen["home_url"] == f"{officer_server}/officer"
    assert seen["heading"] == "Xin chào, Lãnh đạo Ninh Bình"
    assert "Đơn vị" in seen["nav"] and "Tài khoản" not in seen["nav"]  # a manager's menu, not an admin's
    assert seen["background"] == "rgb(11, 79, 138)"  # the stylesheet loaded under the CSP
    assert seen["after_logout"] == f"{officer_server}/login"
    assert seen["back_again"].startswith(f"{officer_server}/login?next=")
    assert seen["problems"] == []
