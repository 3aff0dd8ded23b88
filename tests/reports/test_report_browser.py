"""A real browser: the demo administrator logs in, reads the dashboard, opens a province report and
downloads its PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from survey.demo.loader import DEMO_ADMIN
from tests.citizen.conftest import live_server  # noqa: F401  (fixture)
from tests.support import CHROMIUM, artifact, launch_chromium

pytestmark = pytest.mark.skipif(not CHROMIUM, reason="SURVEY_TEST_CHROMIUM is not set")


@pytest.fixture
def place(demo):
    """``live_server`` serves the database its ``place`` fixture prepared: here, the demo."""
    return demo


def browse(base_url: str, download_to: Path, prefix: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                   accept_downloads=True).new_page()
        page.goto(f"{base_url}/login")
        page.fill("#username", DEMO_ADMIN[0])
        page.fill("#password", DEMO_ADMIN[1])
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{base_url}/officer/dashboard")
        seen["dashboard"] = page.locator("h1").inner_text()
        seen["chart_width"] = page.locator("img.chart").first.evaluate("img => img.naturalWidth")
        if shot := artifact(f"{prefix}-dashboard.png"):
            page.screenshot(path=str(shot), full_page=True)
        page.get_by_role("link", name="Tỉnh Ninh Bình").first.click()
        page.wait_for_load_state()
        seen["report"] = page.locator("h1").inner_text()
        seen["charts"] = page.locator("img.chart").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
        if shot := artifact(f"{prefix}-report.png"):
            page.screenshot(path=str(shot), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải PDF").click()
        download.value.save_as(download_to)
        seen["file_name"] = download.value.suggested_filename
        browser.close()
    return seen


async def test_admin_reads_the_dashboard_and_downloads_a_province_pdf(live_server, tmp_path, engine_name):  # noqa: F811
    import asyncio

    pdf_path = tmp_path / "report.pdf"
    seen = await asyncio.to_thread(browse, live_server, pdf_path, f"reports-{engine_name}")
    assert seen["dashboard"].startswith("Bảng điều khiển — Việt Nam")
    assert seen["chart_width"] > 0
    assert seen["report"].startswith("Chỉ số hài lòng — Tỉnh Ninh Bình (NB)")
    assert len(seen["charts"]) == 2 and all(width > 0 for width in seen["charts"])
    assert seen["file_name"].endswith(".pdf") and "NB" in seen["file_name"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "SỞ NỘI VỤ" in text and "BÁO CÁO" in text and "Tỉnh Ninh Bình" in text
