"""A real browser and a real worker: a citizen leaves a comment on the survey page, with consent to be answered
at a phone number; the unit's manager finds it in the inbox, sorted by the lexicon, sees the number, adds a
label, answers it and closes it, and the number is gone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from survey.accounts.services import create_officer
from survey.db.tables import CitizenContact, FeedbackComment
from tests.citizen.conftest import counter_token, live_server, place  # noqa: F401  (fixtures)
from tests.support import CHROMIUM, artifact, launch_chromium

pytestmark = [pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set"), pytest.mark.browser]
COMMENT = "Phòng chờ nóng, phải chờ lâu. Gọi tôi: 0987 654 321"
PASSWORD = "nb-manager-pass-1"


def walk(survey_url: str, base_url: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        citizen = browser.new_context(locale="vi-VN").new_page()
        citizen.goto(survey_url)
        overall = citizen.locator("fieldset", has=citizen.locator("legend", has_text="Nhìn chung"))
        overall.get_by_text("2 · Không hài lòng").click()
        citizen.get_by_label("Ông/Bà có góp ý gì thêm không?", exact=False).fill(COMMENT)
        seen["consent_default"] = citizen.get_by_label("Tôi đồng ý để lại", exact=False).is_checked()
        citizen.get_by_label("Tôi đồng ý để lại", exact=False).check()
        citizen.get_by_label("Số điện thoại hoặc địa chỉ thư điện tử").fill("0912 345 678")
        for width in (360, 1280):
            citizen.set_viewport_size({"width": width, "height": 900})
            if shot := artifact(f"citizen-reply-consent-{width}.png"):
                citizen.locator("#reply").screenshot(path=str(shot))
        citizen.get_by_role("button", name="Gửi đánh giá").click()
        citizen.wait_for_load_state()
        seen["thanks"] = citizen.locator("h1").inner_text()

        page = browser.new_context(locale="vi-VN").new_page()
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill("nbmanager")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the worker brings comments in every few seconds
            page.goto(f"{base_url}/officer/feedback")
            if page.get_by_text("Phòng chờ nóng").count():
                break
            time.sleep(1)
        seen["inbox_row"] = page.locator("tbody tr").first.inner_text()
        if shot := artifact("feedback-inbox.png"):
            page.screenshot(path=str(shot), full_page=True)
        page.get_by_role("link", name="Phòng chờ nóng", exact=False).click()
        seen["text"] = page.locator("#comment-text").inner_text()
        seen["contact"] = page.locator("#contact").inner_text()
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            if shot := artifact(f"feedback-contact-{width}.png"):
                page.screenshot(path=str(shot), full_page=True)
        page.get_by_label("Công chức").check()
        page.get_by_role("button", name="Lưu tiêu chí").click()
        page.get_by_label("Trạng thái mới").select_option(label="Đang xử lý")
        page.get_by_role("button", name="Cập nhật").click()
        seen["after_taking"] = page.locator("#status").inner_text()
        page.get_by_label("Trạng thái mới").select_option(label="Đã trả lời")
        page.get_by_label("Nội dung trả lời / ghi chú").fill("Đã lắp thêm quạt và ghế ở phòng chờ.")
        page.get_by_role("button", name="Cập nhật").click()
        seen["status"] = page.locator("#status").inner_text()
        seen["reply"] = page.locator("#reply").inner_text()
        seen["contact_after"] = page.locator("#contact").count()
        if shot := artifact("feedback-answered.png"):
            page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return seen


async def test_a_comment_goes_from_the_citizen_page_to_an_answer(place, live_server, tmp_path):  # noqa: F811
    await create_officer("nbmanager", PASSWORD, "manager", "NB")
    token = await counter_token(place, "NB-001-TT-Q1")
    worker = subprocess.Popen([sys.executable, "-m", "survey.cli", "worker", "--poll", "0.2"], env=dict(os.environ),
                              stdout=open(tmp_path / "worker.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115 (the log outlives the block)
    try:
        seen = await asyncio.to_thread(walk, f"{live_server}/q/{token}", live_server)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert seen["thanks"] == "Cảm ơn Ông/Bà đã đánh giá!"
    assert seen["consent_default"] is False
    assert seen["contact"].startswith("0912 345 678") and seen["contact_after"] == 0
    assert await CitizenContact.count() == 0  # closed: deleted
    assert "Phòng chờ nóng" in seen["inbox_row"] and "Tiếp cận dịch vụ" in seen["inbox_row"]
    assert seen["text"] == "Phòng chờ nóng, phải chờ lâu. Gọi tôi: [điện thoại]"
    assert seen["after_taking"].startswith("Đang xử lý") and seen["status"] == "Đã trả lời (nbmanager)"
    assert seen["reply"] == "Đã lắp thêm quạt và ghế ở phòng chờ."
    stored = await FeedbackComment.select().output(load_json=True).first()
    assert stored["status"] == "answered" and stored["elements"] == ",access,civil_servant,"
    assert stored["ratings"]["overall"] == 2 and stored["elements_by_hand"]
