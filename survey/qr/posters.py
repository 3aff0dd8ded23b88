"""Printable posters: one per counter, with the QR code, where it is, an invitation and the short URL.

The PDF draws the code's modules as vector rectangles (sharp at any printer resolution) and embeds DejaVu
Sans, which matplotlib ships and which covers Vietnamese. PNG and SVG carry the same layout for screens
and print shops.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M

INVITATION = "Quét mã để đánh giá mức độ hài lòng — chưa đến 1 phút, không cần đăng nhập"
SIZES_MM = {"a4": (210.0, 297.0), "a6": (105.0, 148.0)}
FORMATS = ("pdf", "png", "svg")
PNG_DPI = 150


def font_path(bold: bool = False) -> Path:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


@dataclass(frozen=True)
class Poster:
    unit_name: str
    counter_name: str
    url: str


@dataclass(frozen=True)
class Line:
    text: str
    y: float
    size: float
    bold: bool


@dataclass(frozen=True)
class Layout:
    """Positions in millimetres from the top-left corner."""

    width: float
    height: float
    lines: tuple[Line, ...]
    code_x: float
    code_y: float
    module: float
    matrix: tuple[tuple[bool, ...], ...]
    url: Line


def _matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def _wrapped(text: str, size_pt: float, width_mm: float) -> list[str]:
    # DejaVu Sans averages about 0.55 em per character; a point is 0.3528 mm.
    per_line = max(10, int(width_mm / (size_pt * 0.3528 * 0.55)))
    return textwrap.wrap(text, per_line) or [""]


def page_size(size: str) -> tuple[float, float]:
    if size not in SIZES_MM:
        raise ValueError(f"poster size must be one of {', '.join(SIZES_MM)}, not {size!r}")
    return SIZES_MM[size]


def layout(poster: Poster, size: str) -> Layout:
    width, height = page_size(size)
    scale = width / 210.0
    margin = 15 * scale
    lines: list[Line] = []
    y = margin + 8 * scale
    for text, size_pt, bold in ((poster.unit_name, 22, True), (poster.counter_name, 18, False)):
        for part in _wrapped(text, size_pt * scale, width - 2 * margin):
            lines.append(Line(part, y, size_pt * scale, bold))
            y += size_pt * scale * 0.3528 * 1.35
        y += 3 * scale
    for part in _wrapped(INVITATION, 15 * scale, width - 2 * margin):
        lines.append(Line(part, y + 4 * scale, 15 * scale, False))
        y += 15 * scale * 0.3528 * 1.35
    matrix = _matrix(poster.url)
    code_size = min(width - 2 * margin, height - y - 40 * scale) * 0.85
    module = code_size / len(matrix)
    code_y = y + 12 * scale
    url = Line(poster.url, code_y + code_size + 12 * scale, 12 * scale, True)
    return Layout(width, height, tuple(lines), (width - code_size) / 2, code_y, module, matrix, url)


def _runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    """Horizontal runs of dark modules as (start, length): far fewer shapes than one per module."""
    runs, start = [], None
    for x, dark in enumerate((*row, False)):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def pdf(posters: list[Poster], size: str = "a4") -> bytes:
    from fpdf import FPDF

    if not posters:
        raise ValueError("no counters to print posters for")
    document = FPDF(unit="mm", format=page_size(size))
    document.set_auto_page_break(False)
    document.add_font("DejaVu", "", str(font_path()))
    document.add_font("DejaVu", "B", str(font_path(bold=True)))
    document.set_title("Mã QR khảo sát mức độ hài lòng")
    for poster in posters:
        plan = layout(poster, size)
        document.add_page()
        for line in (*plan.lines, plan.url):
            document.set_font("DejaVu", "B" if line.bold else "", line.size)
            document.set_xy(0, line.y - line.size * 0.3528)
            document.cell(plan.width, line.size * 0.3528 * 1.2, line.text, align="C")
        document.set_fill_color(0, 0, 0)
        for row_index, row in enumerate(plan.matrix):
            for start, length in _runs(row):
                document.rect(plan.code_x + start * plan.module, plan.code_y + row_index * plan.module,
                              length * plan.module, plan.module, style="F")
    return bytes(document.output())


def svg(poster: Poster, size: str = "a4") -> str:
    plan = layout(poster, size)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{plan.width}mm" height="{plan.height}mm" '
        f'viewBox="0 0 {plan.width} {plan.height}">',
        f'<rect width="{plan.width}" height="{plan.height}" fill="#fff"/>',
    ]
    for line in (*plan.lines, plan.url):
        parts.append(
            f'<text x="{plan.width / 2:.2f}" y="{line.y:.2f}" font-family="DejaVu Sans, sans-serif" '
            f'font-size="{line.size * 0.3528:.2f}" font-weight="{"bold" if line.bold else "normal"}" '
            f'text-anchor="middle">{escape(line.text)}</text>'
        )
    path = "".join(
        f"M{plan.code_x + start * plan.module:.3f} {plan.code_y + y * plan.module:.3f}"
        f"h{length * plan.module:.3f}v{plan.module:.3f}h{-length * plan.module:.3f}z"
        for y, row in enumerate(plan.matrix) for start, length in _runs(row)
    )
    parts.append(f'<path d="{path}" fill="#000"/></svg>')
    return "".join(parts)


def png(poster: Poster, size: str = "a4") -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    plan = layout(poster, size)
    px = PNG_DPI / 25.4
    image = Image.new("L", (round(plan.width * px), round(plan.height * px)), 255)
    draw = ImageDraw.Draw(image)
    for line in (*plan.lines, plan.url):
        font = ImageFont.truetype(str(font_path(line.bold)), round(line.size * 0.3528 * px))
        draw.text((plan.width * px / 2, line.y * px), line.text, font=font, fill=0, anchor="ms")
    module_px = max(1, round(plan.module * px))
    left, top = round(plan.code_x * px), round(plan.code_y * px)
    for y, row in enumerate(plan.matrix):
        for start, length in _runs(row):
            draw.rectangle((left + start * module_px, top + y * module_px,
                            left + (start + length) * module_px - 1, top + (y + 1) * module_px - 1), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return buffer.getvalue()


def render(posters: list[Poster], size: str, fmt: str) -> bytes:
    """One file: a PDF holds every poster (a page each); PNG and SVG hold exactly one."""
    if fmt not in FORMATS:
        raise ValueError(f"poster format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "pdf":
        return pdf(posters, size)
    if len(posters) != 1:
        raise ValueError(f"a {fmt.upper()} file holds one poster; use --format pdf for {len(posters)} counters")
    return png(posters[0], size) if fmt == "png" else svg(posters[0], size).encode("utf-8")
