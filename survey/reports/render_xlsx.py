"""The report as an XLSX workbook (openpyxl) an analyst can sort, filter, chart and print.

- One sheet per table, numbers as numbers: shares as percent-formatted cells with one decimal, rounded to
  what the design supports (no 15-digit floats), counts as whole numbers with thousands separators.
- Header row frozen and filtered, columns sized, A4 print setup fitted to the page width with the header
  row repeated on every printed page; a native Excel line chart of the trend; a sheet with the method.
- Text from the database (unit names, notes) cannot start a formula: a cell that would begin with
  ``= + - @`` (or a tab / carriage return) is written with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from survey.core.labels import level_label
from survey.reports import labels
from survey.reports.formatting import current
from survey.reports.model import IndexValue, Report, UnitRow

PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "0.0"
PROBABILITY = "0.00"
SE = "0.00%"
WHEN = "dd/mm/yyyy hh:mm"
DAY = "dd/mm/yyyy"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEAD_FILL = PatternFill("solid", fgColor="E1E8F0")


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    number_format: str | None = None


def safe(value):
    """Text that a spreadsheet would read as a formula, neutralised; numbers and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def share(value: float | None) -> float | None:
    """A share to 0.01 percentage point: more digits would claim a precision no survey has."""
    return None if value is None else round(value, 4)


def rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


FIGURE_COLUMNS = (Column("Chỉ số", 10, PERCENT), Column("Cận dưới 95%", 12, PERCENT),
                  Column("Cận trên 95%", 12, PERCENT), Column("Sai số chuẩn", 12, SE), Column("Bậc tự do", 10, DECIMAL),
                  Column("Số phiếu", 10, COUNT), Column("Cỡ mẫu hiệu dụng", 13, COUNT))


def figure_cells(figure: IndexValue) -> list:
    return [share(figure.value), share(figure.lower), share(figure.upper), rounded(figure.se, 5),
            rounded(figure.df, 1), figure.n, rounded(figure.n_eff, 1)]


def table_sheet(book: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence],
                caption: str) -> Worksheet:
    """A sheet holding one table: caption on row 1, header on row 2 (frozen, filtered, printed on each page)."""
    sheet = book.create_sheet(title)
    sheet.append([safe(caption)])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([c.title for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    count = 0
    for row in rows:
        sheet.append([safe(v) for v in row])
        count += 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            for (cell,) in sheet.iter_rows(min_row=3, max_row=2 + count, min_col=index, max_col=index):
                cell.number_format = column.number_format
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{2 + max(count, 1)}"
    print_setup(sheet, f"A1:{last}{2 + count}")
    sheet.print_title_rows = "2:2"
    return sheet


def print_setup(sheet: Worksheet, area: str) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = area
    sheet.oddFooter.center.text = "Trang &P / &N"


def unit_columns() -> list[Column]:
    return [Column("Mã", 14), Column("Đơn vị", 36), Column("Cấp", 14), *FIGURE_COLUMNS,
            Column("Hài lòng chung", 12, PERCENT), Column("Đánh giá", 16), Column("Cần thêm phiếu", 12, COUNT)]


def unit_rows(rows: list[UnitRow]) -> list[list]:
    """Below the minimum sample the figures are left empty (withheld), the counts kept."""
    def shown(r: UnitRow) -> bool:
        return r.verdict.verdict != "insufficient_data"

    return [[r.code, r.name, level_label(r.level),
             *(figure_cells(r.composite) if shown(r) else [None] * 5 + figure_cells(r.composite)[5:]),
             share(r.overall.value) if shown(r) else None,
             labels.verdict(r.verdict.verdict),
             r.verdict.further_responses if r.verdict.verdict in ("inconclusive", "insufficient_data") else None]
            for r in rows]


def funnel_position(position: str) -> str:
    """"within" / "below 0.95" / "above 0.998" in words: inside the limits, or under / over the limit."""
    if position == "within":
        return "Trong giới hạn"
    side, _, level = position.partition(" ")
    where = "Dưới" if side == "below" else "Trên"
    try:
        return f"{where} giới hạn {current().percent(float(level))}"
    except ValueError:
        return position


def summary_sheet(book: Workbook, report: Report) -> None:
    f = current()
    sheet = book.active
    sheet.title = "Tóm tắt"
    sheet.append([safe(labels.heading(report))])
    sheet["A1"].font = Font(bold=True, size=13)
    width = len(FIGURE_COLUMNS) + 3
    for line in labels.summary_lines(report):
        sheet.append([safe(line)])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[row].height = 15 * (1 + len(line) // 150)
    sheet.append([])
    header_row = sheet.max_row + 1
    columns = [Column("Chỉ tiêu", 30), Column(FIGURE_COLUMNS[0].title, 17, PERCENT), *FIGURE_COLUMNS[1:], Column("Đánh giá", 16), Column("Cần thêm phiếu", 12, COUNT)]
    sheet.append([c.title for c in columns])
    for cell in sheet[header_row]:
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for title, figure, verdict in (("Chỉ số hài lòng (5 yếu tố)", report.composite, report.composite_verdict),
                                   ("Hài lòng chung", report.overall, report.overall_verdict)):
        settle = verdict.further_responses if verdict.verdict in ("inconclusive", "insufficient_data") else None
        sheet.append([title, *figure_cells(figure), labels.verdict(verdict.verdict), settle])
        for index, column in enumerate(columns, start=1):
            if column.number_format:
                sheet.cell(sheet.max_row, index).number_format = column.number_format
    for title, value, number_format in (("Mục tiêu", report.target, PERCENT),
                                        ("Phiếu hợp lệ", report.counts.valid, COUNT),
                                        ("Phiếu bị gắn cờ", report.counts.flagged, COUNT),
                                        ("Phiếu bị loại", report.counts.excluded, COUNT),
                                        ("Lập lúc (giờ địa phương)", _local(report.generated_at), WHEN),
                                        ("Dữ liệu đến hết ngày", _day(report.data_cutoff), DAY)):
        sheet.append([title, value])
        sheet.cell(sheet.max_row, 2).number_format = number_format
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    print_setup(sheet, f"A1:{get_column_letter(len(columns))}{sheet.max_row}")
    sheet.oddHeader.center.text = f.period(report.period)


def _day(day: str | None):
    """The cut-off is a local date (answers up to the end of that day)."""
    return None if not day else datetime.combine(date.fromisoformat(day), time())


def _local(moment: str | None):
    """Excel has no time zones: the local wall-clock time, as officers read it."""
    when = current().local(moment)
    return None if when is None else when.replace(tzinfo=None)


TREND_LINES = (("1F4E79", None), ("8C8C8C", "dash"), ("8C8C8C", "dash"), ("C00000", "sysDot"))
CHART_ROWS = 20


def trend_sheet(book: Workbook, report: Report) -> None:
    columns = (Column("Tháng", 10), Column("Chỉ số", 10, PERCENT), Column("Cận dưới 95%", 12, PERCENT),
               Column("Cận trên 95%", 12, PERCENT), Column("Số phiếu", 10, COUNT), Column("Mục tiêu", 10, PERCENT))
    rows = [[_month(p.period), share(p.value), share(p.lower), share(p.upper), p.n, report.target]
            for p in report.trend]
    sheet = table_sheet(book, "Xu hướng", columns, rows, f"Chỉ số hài lòng theo tháng — {report.scope.name}")
    if not rows:
        return
    chart = LineChart()
    chart.title = "Chỉ số hài lòng theo tháng"
    chart.y_axis.title = "Chỉ số"
    chart.y_axis.number_format = "0%"
    chart.y_axis.majorGridlines = None
    # From the tenth below the lowest bound or the target, so that the changes are not flattened against 0%.
    lows = [v for p in report.trend for v in (p.lower, p.value) if v is not None] + [report.target]
    chart.y_axis.scaling.min = max(0.0, math.floor(10 * min(lows)) / 10 - 0.1) if lows else 0.0
    chart.y_axis.scaling.max = 1.0
    chart.x_axis.title = "Tháng"
    chart.height, chart.width = 8, 18
    last = 2 + len(rows)
    for column in (2, 3, 4, 6):
        chart.add_data(Reference(sheet, min_col=column, min_row=2, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=last))
    # Colours and widths written out, not left to the reader's theme: a printout or a PDF made by LibreOffice
    # shows the same index line (dark blue), interval (grey dashes) and target (red dots) as Excel.
    for series, (colour, dash) in zip(chart.series, TREND_LINES):
        series.smooth = False
        series.marker.symbol = "none"
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 28575  # 2.25 pt, in EMU
        if dash:
            series.graphicalProperties.line.dashStyle = dash
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    sheet.add_chart(chart, f"A{last + 2}")
    # The chart is 8 cm tall, about 16 default rows below its anchor: the print area takes all of it, on one
    # page (LibreOffice cut a chart at the page break and drew the repeated header over the rest).
    print_setup(sheet, f"A1:H{last + 2 + CHART_ROWS}")
    sheet.page_setup.fitToHeight = 1


def _month(label: str) -> str:
    year, _, month = label.partition("-")
    return f"{int(month):02d}/{year}" if month.isdigit() else label


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    summary_sheet(book, report)
    table_sheet(book, "Yếu tố", [Column("Yếu tố", 40), *FIGURE_COLUMNS, Column("Số người trả lời", 12, COUNT),
                                 Column("Trọng số", 10, PROBABILITY)],
                [[e.title, *figure_cells(e.index), e.answered, rounded(e.weight, 4)] for e in report.elements],
                "Chỉ số từng yếu tố")
    table_sheet(book, "Đơn vị trực thuộc", unit_columns(), unit_rows(report.subunits), "Đơn vị trực thuộc")
    if report.centres is not None:
        table_sheet(book, "Trung tâm", unit_columns(), unit_rows(report.centres),
                    "Các trung tâm phục vụ hành chính công")
    table_sheet(book, "Xếp hạng",
                (Column("Hạng", 7, COUNT), Column("Mã", 14), Column("Đơn vị", 36), Column("Chỉ số", 10, PERCENT),
                 Column("Cỡ mẫu hiệu dụng", 12, COUNT), Column("Sau hiệu chỉnh", 12, PERCENT),
                 Column("Cận dưới", 10, PERCENT), Column("Cận trên", 10, PERCENT), Column("Hạng tốt nhất", 10, COUNT),
                 Column("Hạng kém nhất", 10, COUNT), Column("P(nhóm đầu)", 11, PROBABILITY),
                 Column("P(nhóm cuối)", 11, PROBABILITY)),
                [[r.rank, r.code, r.name, share(r.estimate), rounded(r.n_eff, 1), share(r.posterior_mean),
                  share(r.lower), share(r.upper), r.rank_lower, r.rank_upper, rounded(r.prob_top, 3),
                  rounded(r.prob_bottom, 3)] for r in report.ranking.rows],
                "Xếp hạng (hiệu chỉnh Bayes thực nghiệm; khoảng hạng, không phải bảng xếp hạng tuyệt đối)")
    trend_sheet(book, report)
    table_sheet(book, "Phễu", (Column("Mã", 14), Column("Đơn vị", 36), Column("Chỉ số", 10, PERCENT),
                               Column("Cỡ mẫu hiệu dụng", 14, COUNT), Column("Vị trí", 24)),
                [[p.code, p.name, share(p.estimate), rounded(p.n_eff, 1), funnel_position(p.position)]
                 for p in report.funnel.points], "Biểu đồ phễu: vị trí từng trung tâm so với giới hạn kiểm soát")
    method = report.method
    sheet = table_sheet(book, "Phương pháp", (Column("Mục", 22), Column("Nội dung", 110)),
                        [["Gia trọng", method.weighting], ["Thiết kế", method.design], ["Phương sai", method.variance],
                         ["Khoảng tin cậy", method.interval], ["Đánh giá mục tiêu", method.verdict_rule],
                         ["Miền ước lượng", method.domains], *(["Ghi chú", note] for note in report.notes),
                         ["Tương đương trong R", method.r_equivalent]], "Phương pháp tính")
    for (cell,) in sheet.iter_rows(min_row=3, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
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
