"""The demo's Ninh Bình report as the documents an official receives: a PDF and a Word file in the
Nghị định 30/2020 layout (rendered to PNG and read back), and a workbook checked cell by cell.

PNGs of every page go to SURVEY_TEST_ARTIFACTS. The LibreOffice conversions skip when ``soffice`` is absent.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.cli import main
from survey.db.tables import Unit
from survey.reports import formatting
from survey.reports.letterhead import letterhead_for
from survey.reports.render_docx import render_docx
from survey.reports.render_pdf import render_pdf
from survey.reports.render_xlsx import render_xlsx
from survey.reports.services import build_report, parse_request
from tests.reports.test_report_pages import expected_nb_q3
from tests.support import artifact

SOFFICE = shutil.which("soffice")
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")
HEADER = ("UBND TỈNH NINH BÌNH", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
          "Số: ……/BC-SNV", "BÁO CÁO", "Quý III/2026")
SIGNATURE = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ", "Nơi nhận:")


async def nb_report():
    formatting.activate("vi", "Asia/Ho_Chi_Minh")
    return await build_report(parse_request("NB", "2026-Q3")), await letterhead_for("NB")


def vi_percent(value: float) -> str:
    return f"{100 * value:.1f}%".replace(".", ",")


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def poppler_pages(pdf: Path) -> list[str]:
    """Page texts by poppler's pdftotext: pypdf splits LibreOffice's composed Vietnamese letters apart."""
    if PDFTOTEXT is None:
        pytest.skip("pdftotext is not installed")
    out = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True, timeout=120, capture_output=True)
    return [page for page in out.stdout.decode("utf-8").split("\f") if page.strip()]


def save_pngs(pdf: Path, name: str) -> list[Path]:
    """Every page as PNG (pdftoppm), into the artifacts folder when set, else beside the PDF."""
    if PDFTOPPM is None:
        pytest.skip("pdftoppm is not installed")
    target = artifact(name) or pdf.with_name(name)
    subprocess.run([PDFTOPPM, "-r", "70", "-png", str(pdf), str(target)], check=True, timeout=120)
    pngs = sorted(target.parent.glob(f"{target.name}-*.png"))
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
    return pngs


def libreoffice_pdf(source: Path) -> Path:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = source.parent / "lo-profile"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                    "--outdir", str(source.parent), str(source)], check=True, timeout=180, capture_output=True)
    converted = source.with_suffix(".pdf")
    assert converted.exists(), f"LibreOffice did not convert {source.name}"
    return converted


def assert_document_text(pages: list[str], report, expected_index: float) -> None:
    text = "\n".join(pages)
    for words in (*HEADER, *SIGNATURE):
        assert words in text, words
    assert "Ninh Bình, ngày" in text and "tháng" in text
    first = pages[0]
    assert vi_percent(expected_index) in first  # the index, on the one-page summary, with a decimal comma
    assert f"{100 * expected_index:.1f}%" not in text
    assert "Không đạt" in first or "Đạt" in first or "Chưa kết luận" in first
    assert "Đề xuất" in first
    assert "PHỤ LỤC. PHƯƠNG PHÁP TÍNH" in pages[-1] and "svydesign" in pages[-1]
    for row in report.subunits:
        assert row.name in text


async def test_the_nb_pdf_is_an_administrative_document(demo, tmp_path):
    report, head = await nb_report()
    expected = await expected_nb_q3()
    data = render_pdf(report, head)
    pages = pdf_pages(data)
    assert_document_text(pages, report, expected.value)
    if report.change and report.change.p_value is not None and report.change.p_value < 0.001:
        assert "p < 0,001" in "\n".join(pages)
    for number, page in enumerate(pages[:-1], start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Lập lúc")]
        assert not body[-1].startswith("Bảng "), f"page {number} ends with a table caption"
    path = tmp_path / "nb-q3.pdf"
    path.write_bytes(data)
    save_pngs(path, "report-nb-pdf")


async def test_the_issuing_body_comes_from_the_unit_settings(demo, tmp_path):
    await Unit.update({Unit.letterhead_authority: "UBND TỈNH NINH BÌNH MỚI", Unit.letterhead_code: "SNV-TH"}).where(
        Unit.code == "NB")
    report, head = await nb_report()
    text = "\n".join(pdf_pages(render_pdf(report, head)))
    assert "UBND TỈNH NINH BÌNH MỚI" in text and "Số: ……/BC-SNV-TH" in text
    commune = await letterhead_for("NB-001")
    assert commune.authority == "UBND TỈNH NINH BÌNH MỚI"  # a commune inherits its province's header
    assert commune.issuer == "SỞ NỘI VỤ"


async def test_the_nb_docx_has_the_same_content_and_renders_in_libreoffice(demo, tmp_path):
    report, head = await nb_report()
    expected = await expected_nb_q3()
    data = render_docx(report, head)
    word = WordDocument(io.BytesIO(data))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in word.paragraphs] + cells)
    for words in (*HEADER, *SIGNATURE):
        assert words in text, words
    assert vi_percent(expected.value) in text
    header_rows = [t.rows[0]._tr for t in word.tables if len(t.columns) > 3]
    assert header_rows and all(r.trPr is not None and "tblHeader" in r.trPr.xml for r in header_rows)
    path = tmp_path / "nb-q3.docx"
    path.write_bytes(data)
    converted = libreoffice_pdf(path)
    assert_document_text(poppler_pages(converted), report, expected.value)
    save_pngs(converted, "report-nb-docx")


async def test_the_cli_writes_a_docx(demo, tmp_path):
    out = tmp_path / "nb.docx"
    status = await asyncio.to_thread(main, ["report", "--scope", "NB", "--period", "2026-Q3", "--format", "docx",
                                            "--out", str(out)])
    assert status == 0
    assert "SỞ NỘI VỤ" in "\n".join(c.text for t in WordDocument(out).tables for r in t.rows for c in r.cells)


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


async def test_the_nb_workbook_cell_by_cell(demo, tmp_path):
    await Unit.update({Unit.name: "=HYPERLINK(\"http://x\",\"x\")"}).where(Unit.code == "NB-002")
    report, _ = await nb_report()
    expected = await expected_nb_q3()
    data = render_xlsx(report)
    book = load_workbook(io.BytesIO(data))
    assert {"Tóm tắt", "Yếu tố", "Đơn vị trực thuộc", "Xếp hạng", "Xu hướng", "Phễu", "Phương pháp"} <= set(
        book.sheetnames)
    units = book["Đơn vị trực thuộc"]
    header = [c.value for c in units[2]]
    assert header[:6] == ["Mã", "Đơn vị", "Cấp", "Chỉ số", "Cận dưới 95%", "Cận trên 95%"]
    rows = list(units.iter_rows(min_row=3))
    assert len(rows) == len(report.subunits)
    for row in rows:
        for cell in row[3:6] + (row[10],):
            assert cell.number_format == "0.0%", (cell.coordinate, cell.number_format)
            assert cell.value is None or (isinstance(cell.value, (int, float)) and decimals(cell.value) <= 4), cell.value
        assert row[8].number_format == "#,##0" and isinstance(row[8].value, int)
        assert row[2].value in ("Xã/phường", "Trung tâm", "Tỉnh/thành phố")
    thin = {u.code for u in report.subunits if u.verdict.verdict == "insufficient_data"}
    for row in rows:  # below the minimum sample the figures are withheld, the count kept
        if row[0].value in thin:
            assert [c.value for c in row[3:8]] == [None] * 5 and row[8].value > 0 and row[10].value is None
        else:
            assert row[3].value is not None
    names = {row[0].value: row[1].value for row in rows}
    assert names["NB-002"] == "'=HYPERLINK(\"http://x\",\"x\")"  # text, not a formula
    assert units.freeze_panes == "A3" and units.auto_filter.ref.startswith("A2:")
    assert int(units.page_setup.paperSize) == 9 and int(units.page_setup.fitToWidth) == 1  # 9 = A4
    assert units.sheet_properties.pageSetUpPr.fitToPage and units.print_title_rows == "$2:$2"
    summary = book["Tóm tắt"]
    figures = {row[0].value: row for row in summary.iter_rows() if row[0].value}
    composite = figures["Chỉ số hài lòng (5 yếu tố)"]
    assert composite[1].value == pytest.approx(expected.value, abs=5e-5) and composite[1].number_format == "0.0%"
    assert figures["Lập lúc (giờ địa phương)"][1].number_format == "dd/mm/yyyy hh:mm"
    trend = book["Xu hướng"]
    assert len(trend._charts) == 1 and trend._charts[0].tagname == "lineChart"
    for row in trend.iter_rows(min_row=3):
        assert row[1].number_format == "0.0%" and row[4].number_format == "#,##0"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float):
                    assert decimals(cell.value) <= 5, (sheet.title, cell.coordinate, cell.value)
    path = tmp_path / "nb-q3.xlsx"
    path.write_bytes(data)
    converted = libreoffice_pdf(path)
    text = "\n".join(poppler_pages(converted))
    assert "Tỉnh Ninh Bình" in text and "Phường Hoa Lư" in text and "Phương pháp tính" in text
    save_pngs(converted, "report-nb-xlsx")
