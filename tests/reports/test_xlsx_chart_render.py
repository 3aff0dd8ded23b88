"""The workbook's native trend chart, drawn by LibreOffice into a PDF: the trend page carries the chart's own
pixels (the index line's dark blue and the target's red), not an empty frame. The page goes to
SURVEY_TEST_ARTIFACTS as a PNG."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from survey.reports.render_xlsx import TREND_LINES, render_xlsx
from tests.reports.test_report_documents import libreoffice_pdf, nb_report, poppler_pages
from tests.support import artifact

PDFTOPPM = shutil.which("pdftoppm")


def pixels_near(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    target = tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return sum(count for count, pixel in image.getcolors(image.width * image.height)
               if all(abs(a - b) <= tolerance for a, b in zip(pixel, target)))


async def test_the_trend_chart_is_drawn_in_libreoffices_pdf(demo, tmp_path):
    if PDFTOPPM is None:
        pytest.skip("pdftoppm is not installed")
    report, _ = await nb_report()
    path = tmp_path / "nb-q3.xlsx"
    path.write_bytes(render_xlsx(report))
    pdf = libreoffice_pdf(path)
    pages = poppler_pages(pdf)
    number = next(i for i, text in enumerate(pages, start=1) if "Chỉ số hài lòng theo tháng —" in text)
    # One page: a chart cut at a page break went on under the repeated header row of the next page.
    header = re.compile(r"^\s*Tháng\s+Chỉ số\s+Số phiếu\s+Mục tiêu", re.MULTILINE)  # the bounds' titles wrap
    assert [i for i, text in enumerate(pages, start=1) if header.search(text)] == [number]
    target = artifact("report-nb-xlsx-trend") or tmp_path / "trend"
    subprocess.run([PDFTOPPM, "-r", "100", "-png", "-f", str(number), "-l", str(number), "-singlefile", str(pdf),
                    str(target)], check=True, timeout=120)
    image = Image.open(Path(f"{target}.png")).convert("RGB")
    index_blue, target_red = TREND_LINES[0][0], TREND_LINES[3][0]
    # A 12-month line 2.25 pt wide at 100 dpi is thousands of pixels; the table's text is black.
    assert pixels_near(image, index_blue) > 500, "the index line is missing from the trend page"
    assert pixels_near(image, target_red) > 200, "the target line is missing from the trend page"
