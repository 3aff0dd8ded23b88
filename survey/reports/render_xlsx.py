"""The report as an XLSX workbook: one sheet per table, numbers as numbers (shares with a % format)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from survey.reports import labels
from survey.reports.model import IndexValue, Report, UnitRow

PERCENT = "0.0%"
FIGURE_COLUMNS = ("Chỉ số", "Cận dưới 95%", "Cận trên 95%", "Sai số chuẩn", "Bậc tự do", "Số phiếu", "Cỡ mẫu hiệu dụng")
UNIT_HEADER = ("Mã", "Đơn vị", "Cấp", *FIGURE_COLUMNS, "Hài lòng chung", "Đánh giá", "Cần thêm phiếu")


def _figure_cells(figure: IndexValue) -> list:
    return [figure.value, figure.lower, figure.upper, figure.se, figure.df, figure.n, figure.n_eff]


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence], percent_columns: Sequence[int]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = PERCENT
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMN", (14, 36, 14, 12, 12, 12, 12, 10, 10, 12, 14, 16, 14)):
        sheet.column_dimensions[letter].width = width
    return sheet


def _unit_rows(rows: list[UnitRow]) -> list[list]:
    return [[r.code, r.name, r.level, *_figure_cells(r.composite), r.overall.value, labels.verdict(r.verdict.verdict),
             r.verdict.further_responses] for r in rows]


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Tóm tắt"
    summary.append([labels.heading(report)])
    summary["A1"].font = Font(bold=True, size=13)
    for line in labels.summary_lines(report):
        summary.append([line])
    summary.append([])
    summary.append(["Chỉ tiêu", *FIGURE_COLUMNS, "Đánh giá", "Cần thêm phiếu"])
    summary.append(["Chỉ số hài lòng (5 yếu tố)", *_figure_cells(report.composite),
                    labels.verdict(report.composite_verdict.verdict), report.composite_verdict.further_responses])
    summary.append(["Hài lòng chung", *_figure_cells(report.overall), labels.verdict(report.overall_verdict.verdict),
                    report.overall_verdict.further_responses])
    summary.append(["Mục tiêu", report.target])
    summary.append(["Lập lúc", report.generated_at])
    summary.append(["Dữ liệu đến", report.data_cutoff or ""])
    summary.column_dimensions["A"].width = 30
    _sheet(book, "Yếu tố", ("Yếu tố", *FIGURE_COLUMNS, "Số người trả lời", "Trọng số"),
           [[e.title, *_figure_cells(e.index), e.answered, e.weight] for e in report.elements], (2, 3, 4))
    _sheet(book, "Đơn vị trực thuộc", UNIT_HEADER, _unit_rows(report.subunits), (4, 5, 6, 11))
    if report.centres is not None:
        _sheet(book, "Trung tâm", UNIT_HEADER, _unit_rows(report.centres), (4, 5, 6, 11))
    _sheet(book, "Xếp hạng", ("Hạng", "Mã", "Đơn vị", "Chỉ số", "Cỡ mẫu hiệu dụng", "Sau hiệu chỉnh", "Cận dưới",
                              "Cận trên", "Hạng tốt nhất", "Hạng kém nhất", "P(nhóm đầu)", "P(nhóm cuối)"),
           [[r.rank, r.code, r.name, r.estimate, r.n_eff, r.posterior_mean, r.lower, r.upper, r.rank_lower,
             r.rank_upper, r.prob_top, r.prob_bottom] for r in report.ranking.rows], (4, 6, 7, 8))
    _sheet(book, "Xu hướng", ("Tháng", "Chỉ số", "Cận dưới 95%", "Cận trên 95%", "Số phiếu", "Mục tiêu"),
           [[p.period, p.value, p.lower, p.upper, p.n, report.target] for p in report.trend], (2, 3, 4, 6))
    _sheet(book, "Phễu", ("Mã", "Đơn vị", "Chỉ số", "Cỡ mẫu hiệu dụng", "Vị trí"),
           [[p.code, p.name, p.estimate, p.n_eff, p.position] for p in report.funnel.points], (3,))
    method = report.method
    _sheet(book, "Phương pháp", ("Mục", "Nội dung"),
           [["Gia trọng", method.weighting], ["Thiết kế", method.design], ["Phương sai", method.variance],
            ["Khoảng tin cậy", method.interval], ["Đánh giá mục tiêu", method.verdict_rule],
            ["Miền ước lượng", method.domains], ["R", method.r_equivalent]], ())
    buffer = io.BytesIO()
    _text_only(book)
    book.save(buffer)
    return buffer.getvalue()


def _text_only(book: Workbook) -> None:
    """openpyxl stores any text starting with "=" as a formula: a unit named "=HYPERLINK(...)" would run in
    the reader's spreadsheet. The report writes no formulas, so every such cell is stored as the text it is."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
