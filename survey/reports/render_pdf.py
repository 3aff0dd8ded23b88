"""The report as PDF (fpdf2), in DejaVu Sans so Vietnamese renders, with charts, page numbers, the
generation date and the data cut-off on every page."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from survey.reports import labels
from survey.reports.charts import funnel_chart, trend_chart
from survey.reports.formatting import current
from survey.reports.model import Report

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
UNIT_WIDTHS = (20, 52, 14, 15, 32, 17, 22, 18)
RANK_WIDTHS = (11, 20, 46, 15, 18, 30, 16, 17, 17)
ELEMENT_WIDTHS = (78, 22, 40, 22, 20)


class ReportPDF(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report
        self.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        made = labels.generated(self.report)
        self.cell(0, 5, f"{made[:1].upper()}{made[1:]} · Dữ liệu đến {labels.cutoff(self.report)} · "
                  f"Trang {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: int = 12) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 9)

    def paragraph(self, text: str, size: int = 9) -> None:
        self.set_font(FAMILY, "", size)
        self.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def table(self, header: tuple[str, ...], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.set_font(FAMILY, "", 7)
        with super().table(col_widths=widths, width=sum(widths), line_height=4.2, text_align="LEFT",
                           headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 240))) as grid:
            for cells in [list(header), *rows]:
                row = grid.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(2)

    def chart(self, png: bytes) -> None:
        self.image(io.BytesIO(png), w=self.epw)


def render_pdf(report: Report) -> bytes:
    pdf = ReportPDF(report)
    pdf.set_title(labels.heading(report))
    pdf.add_page()
    pdf.heading(labels.heading(report), 14)
    pdf.paragraph(f"Phiếu khảo sát: {report.instrument_title} ({report.instrument}). Tháng: {', '.join(report.months)}.")
    for line in labels.summary_lines(report):
        pdf.paragraph(line, 10)
    pdf.heading("Chỉ số từng yếu tố")
    pdf.table(("Yếu tố", "Chỉ số", "Khoảng tin cậy 95%", "Số người trả lời", "Trọng số"),
              [[e.title, labels.percent(e.index.value), labels.interval(e.index), labels.count(e.answered),
                current().number(e.weight, 2)]
               for e in report.elements], ELEMENT_WIDTHS)
    pdf.chart(trend_chart(report))
    if report.subunits:
        pdf.heading("Đơn vị trực thuộc")
        pdf.table(labels.UNIT_COLUMNS, [labels.unit_cells(r) for r in report.subunits], UNIT_WIDTHS)
    if report.ranking.rows:
        pdf.heading("Xếp hạng (hiệu chỉnh Bayes thực nghiệm)")
        pdf.paragraph("Chỉ số sau hiệu chỉnh kéo đơn vị ít phiếu về mức chung, để đơn vị có vài phiếu không đứng đầu "
                      "hay cuối chỉ do ngẫu nhiên; khoảng hạng cho biết thứ hạng chắc chắn đến đâu.")
        pdf.table(labels.RANK_COLUMNS, [labels.rank_cells(r) for r in report.ranking.rows], RANK_WIDTHS)
    pdf.chart(funnel_chart(report))
    if report.centres:
        pdf.heading("Các trung tâm phục vụ hành chính công")
        pdf.table(labels.UNIT_COLUMNS, [labels.unit_cells(r) for r in report.centres], UNIT_WIDTHS)
    pdf.heading("Phương pháp")
    method = report.method
    for text in (method.weighting, method.design, method.variance, method.interval, method.verdict_rule,
                 method.domains, *report.notes):
        pdf.paragraph(text, 8)
    pdf.paragraph("Tương đương trong R (gói survey):", 8)
    pdf.set_font(FAMILY, "", 6.5)
    pdf.multi_cell(0, 3.6, method.r_equivalent, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
