"""The report as a PDF administrative document (fpdf2) laid out as Nghị định 30/2020 asks: the issuing body
and the national motto side by side, the number and date line, the title, then the outline of
:mod:`survey.reports.document`. DejaVu Sans (matplotlib's own font) renders every Vietnamese letter.

Tables never leave their caption alone at the foot of a page (the caption, the header row and a few rows
move together), and their header row repeats on every page they run over.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from survey.reports import document as doc
from survey.reports import labels
from survey.reports.letterhead import Letterhead
from survey.reports.model import Report

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
MONO = "DejaVuMono"
LEFT_BLOCK = 72
TABLE_HEAD_FILL = (225, 232, 240)
KEEP_WITH_CAPTION_MM = 30
"""Space a table needs below its caption (caption, header row, two rows) or it starts on the next page."""


class ReportPDF(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report
        for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Oblique"), ("BI", "-BoldOblique")):
            self.add_font(FAMILY, style, str(FONT_DIR / f"DejaVuSans{suffix}.ttf"))
        self.add_font(MONO, "", str(FONT_DIR / "DejaVuSansMono.ttf"))
        self.set_margins(20, 15, 15)  # Nghị định 30: left 30-35 mm for binding, right 15-20; A4 keeps 20/15
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        made = labels.generated(self.report)
        self.cell(0, 5, f"{made[:1].upper()}{made[1:]} · Dữ liệu đến {labels.cutoff(self.report)} · "
                  f"Trang {self.page_no()}/{{nb}}", align="C")

    # The document head -----------------------------------------------------------------------------
    def centred(self, x: float, width: float, text: str, style: str = "", size: float = 11,
                rule: float = 0.0) -> None:
        """One centred line in the column at ``x``; ``rule`` draws a line under it (that share of the text)."""
        self.set_xy(x, self.get_y())
        self.set_font(FAMILY, style, size)
        self.multi_cell(width, 5.2, text, align="C", new_x="LEFT", new_y="NEXT")
        if rule:
            length = min(self.get_string_width(text), width) * rule
            y = self.get_y() + 0.6
            self.line(x + (width - length) / 2, y, x + (width + length) / 2, y)
            self.set_y(y + 0.8)

    def letterhead(self, head: Letterhead, number_line: str, date_line: str) -> None:
        top, left, right = self.get_y(), self.l_margin, self.l_margin + LEFT_BLOCK
        width = self.epw - LEFT_BLOCK
        if head.authority:
            self.centred(left, LEFT_BLOCK, head.authority.upper(), "", 10.5)
        self.centred(left, LEFT_BLOCK, head.issuer.upper(), "B", 10.5, rule=0.4)
        left_end = self.get_y()
        self.set_y(top)
        self.centred(right, width, doc.MOTTO[0], "B", 10.5)
        self.centred(right, width, doc.MOTTO[1], "B", 11.5, rule=1.0)
        self.set_y(max(left_end, self.get_y()) + 2)
        line = self.get_y()
        self.centred(left, LEFT_BLOCK, number_line, "", 10.5)
        self.set_y(line)
        self.centred(right, width, date_line, "I", 10.5)
        self.set_x(self.l_margin)
        self.ln(6)

    # The outline's blocks -----------------------------------------------------------------------------
    def heading(self, text: str, level: int) -> None:
        if self.will_page_break(14):
            self.add_page()
        self.ln(2 if level == 1 else 1)
        self.set_font(FAMILY, "B", 12 if level == 1 else 10.5)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str, small: bool = False) -> None:
        self.set_font(FAMILY, "", 8.5 if small else 10)
        self.multi_cell(0, 4.4 if small else 5.2, text, align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(1.2)

    def bullets(self, items: list[str]) -> None:
        self.set_font(FAMILY, "", 10)
        for item in items:
            self.set_x(self.l_margin + 3)
            self.multi_cell(self.epw - 3, 5.2, f"– {item}", align="J", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(self, block: doc.Table) -> None:
        if self.will_page_break(KEEP_WITH_CAPTION_MM):
            self.add_page()
        self.set_font(FAMILY, "B", 9)
        self.multi_cell(0, 5, block.caption, new_x="LMARGIN", new_y="NEXT")
        if block.note:
            self.paragraph(block.note, small=True)
        self.set_font(FAMILY, "", 9.5 if len(block.columns) <= 3 else 7.5)
        scale = self.epw / max(sum(block.widths), self.epw)
        aligns = ["LEFT" if i < block.numeric_from else "RIGHT" for i in range(len(block.columns))]
        with self.table(col_widths=[w * scale for w in block.widths], width=sum(block.widths) * scale,
                        line_height=5 if len(block.columns) <= 3 else 4.2, text_align=aligns, repeat_headings=1,
                        headings_style=FontFace(emphasis="BOLD", fill_color=TABLE_HEAD_FILL)) as grid:
            header = grid.row()
            for column in block.columns:
                header.cell(column, align="CENTER")
            for cells in block.rows:
                row = grid.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(3)

    def chart(self, block: doc.Chart) -> None:
        height = self.epw * 0.5
        if self.will_page_break(height + 8):
            self.add_page()
        self.image(io.BytesIO(block.png), w=self.epw)
        self.set_font(FAMILY, "I", 8.5)
        self.multi_cell(0, 4.4, block.caption, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def code(self, text: str) -> None:
        self.set_font(MONO, "", 6.5)
        self.multi_cell(0, 3.4, text, new_x="LMARGIN", new_y="NEXT")

    def signature(self, recipients: tuple[str, ...]) -> None:
        """The two signers side by side with room to sign, then "Nơi nhận" (recipients) at the left."""
        if self.will_page_break(60):
            self.add_page()
        self.ln(4)
        line, half = self.get_y(), self.epw / 2
        for i, (title, hint) in enumerate(doc.SIGNERS):
            x = self.l_margin + i * half
            self.set_y(line)
            self.centred(x, half, title, "B", 10.5)
            self.centred(x, half, hint, "I", 9)
        self.set_xy(self.l_margin, self.get_y() + 26)
        self.set_font(FAMILY, "BI", 9)
        self.cell(half, 5, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 8)
        for recipient in recipients:
            self.cell(half, 4.2, f"- {recipient}", new_x="LMARGIN", new_y="NEXT")


def render_pdf(report: Report, letterhead: Letterhead | None = None) -> bytes:
    from survey.reports.letterhead import NATIONAL

    outline = doc.build_document(report, letterhead or NATIONAL)
    pdf = ReportPDF(report)
    pdf.set_title(f"{outline.kind} {outline.title}")
    pdf.set_lang("vi")
    pdf.add_page()
    pdf.letterhead(outline.letterhead, outline.number_line, outline.date_line)
    pdf.centred(pdf.l_margin, pdf.epw, outline.kind, "B", 14)
    pdf.centred(pdf.l_margin + 10, pdf.epw - 20, outline.title, "B", 12)
    pdf.set_x(pdf.l_margin)
    pdf.ln(4)
    for block in outline.blocks:
        match block:
            case doc.Heading(text, level):
                pdf.heading(text, level)
            case doc.Paragraph(text, small):
                pdf.paragraph(text, small)
            case doc.Bullets(items):
                pdf.bullets(items)
            case doc.Table():
                pdf.grid(block)
            case doc.Chart():
                pdf.chart(block)
            case doc.Code(text):
                pdf.code(text)
            case doc.PageBreak():
                pdf.add_page()
            case doc.Signature():
                pdf.signature(outline.recipients)
    return bytes(pdf.output())
