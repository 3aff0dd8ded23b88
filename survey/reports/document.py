"""The report as an administrative document (báo cáo, Nghị định 30/2020/NĐ-CP): one content outline that the
PDF and DOCX renderers both lay out, so the file an officer edits in Word says what the signed PDF says.

The outline: the issuing body and the national motto, the number and date line, the title; a first page an
official reads on its own (the index, the verdict, the change, the units below target, what to do next);
the detailed tables and charts; the signature block; the method in an appendix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from survey.reports import labels
from survey.reports.charts import funnel_chart, trend_chart
from survey.reports.formatting import current
from survey.reports.letterhead import Letterhead
from survey.reports.model import Report, UnitRow

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SIGNERS = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))
ELEMENT_COLUMNS = ("Yếu tố", "Chỉ số", "Khoảng tin cậy 95%", "Số người trả lời", "Trọng số")
ELEMENT_WIDTHS = (70, 20, 42, 28, 20)
UNIT_WIDTHS = (23, 43, 13, 14, 30, 16, 22, 14)
RANK_WIDTHS = (10, 23, 41, 14, 16, 28, 15, 14, 14)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    """A table with its caption; ``widths`` are in millimetres of an A4 page's 180 mm text width.
    Columns from ``numeric_from`` on are figures, aligned right."""

    caption: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    widths: tuple[int, ...]
    numeric_from: int = 1
    note: str = ""


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Signature:
    pass


Block = Heading | Paragraph | Bullets | Table | Chart | Code | PageBreak | Signature


@dataclass(frozen=True)
class Document:
    letterhead: Letterhead
    number_line: str
    date_line: str
    kind: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    recipients: tuple[str, ...] = ()


def below_target(report: Report) -> list[UnitRow]:
    """Sub-units whose upper bound is under the target, lowest first."""
    rows = [r for r in report.subunits if r.verdict.verdict == "not_met"]
    return sorted(rows, key=lambda r: r.composite.value if r.composite.value is not None else 1.0)


def key_figures(report: Report) -> Table:
    f, c, v = current(), report.composite, report.composite_verdict
    rows = [
        ["Chỉ số hài lòng (5 yếu tố)", f"{f.percent(c.value)} (khoảng tin cậy 95%: {labels.interval(c)})"],
        [f"Đánh giá so với mục tiêu {f.percent(report.target, 0)}", labels.verdict(v.verdict)],
        ["Hài lòng chung", f"{f.percent(report.overall.value)} — {labels.verdict(report.overall_verdict.verdict)}"],
    ]
    change = report.change
    if change is not None and change.difference is not None:
        trend = "tăng" if change.difference > 0 else "giảm"
        meaning = "có ý nghĩa thống kê" if change.significant else "chưa đủ bằng chứng là thay đổi thật"
        rows.append([f"So với {f.period(change.previous_period)} ({f.percent(change.previous.value)})",
                     f"{trend} {f.points(change.difference)} ({meaning}; {f.p_value(change.p_value)})"])
    rated = [r for r in report.subunits if r.verdict.verdict != "insufficient_data"]
    rows.append(["Đơn vị trực thuộc chưa đạt mục tiêu",
                 f"{f.count(len(below_target(report)))} trong {f.count(len(rated))} đơn vị đủ dữ liệu"])
    rows.append(["Số phiếu hợp lệ", f.count(report.counts.valid)])
    if report.response_rate is not None:
        rows.append(["Tỷ lệ phản hồi (phiếu hẹn)", f.percent(report.response_rate)])
    return Table("Các chỉ tiêu chính", ("Chỉ tiêu", "Kết quả"), rows, (70, 110), numeric_from=2)


def next_steps(report: Report) -> list[str]:
    """What the department should do, read off the figures (never a placeholder)."""
    f, steps = current(), []
    verdict = report.composite_verdict
    if verdict.verdict == "not_met":
        steps.append(f"Chỉ số chung thấp hơn mục tiêu {f.percent(report.target, 0)}: đề nghị xây dựng kế hoạch "
                     "khắc phục, tập trung vào các yếu tố và đơn vị thấp nhất nêu dưới đây.")
    elif verdict.verdict == "inconclusive":
        more = verdict.further_responses
        extra = f" khoảng {f.count(more)} phiếu nữa" if more else " thêm phiếu"
        steps.append(f"Chưa đủ bằng chứng để kết luận đạt hay không đạt mục tiêu: cần{extra} để kết luận.")
    elif verdict.verdict == "insufficient_data":
        steps.append("Chưa đủ phiếu để công bố chỉ số: đề nghị các đơn vị đẩy mạnh việc mời người dân đánh giá.")
    else:
        steps.append("Chỉ số đạt mục tiêu: duy trì cách làm hiện tại và tiếp tục theo dõi hằng quý.")
    answered = [e for e in report.elements if e.index.value is not None]
    if answered:
        lowest = min(answered, key=lambda e: e.index.value)
        steps.append(f"Yếu tố thấp nhất là \u201c{lowest.title}\u201d ({f.percent(lowest.index.value)}): "
                     "ưu tiên cải thiện.")
    below = below_target(report)
    if below:
        names = ", ".join(f"{r.name} ({f.percent(r.composite.value)})" for r in below[:5])
        more = f" và {f.count(len(below) - 5)} đơn vị khác" if len(below) > 5 else ""
        steps.append(f"Đôn đốc các đơn vị chưa đạt mục tiêu: {names}{more}.")
    thin = [r for r in report.subunits if r.verdict.verdict == "insufficient_data"]
    if thin:
        steps.append(f"{f.count(len(thin))} đơn vị chưa đủ {f.count(30)} phiếu để đánh giá: "
                     "đề nghị đặt mã QR tại quầy và nhắc người dân đánh giá.")
    if report.counts.flagged:
        steps.append(f"Xem xét {f.count(report.counts.flagged)} phiếu bị gắn cờ nghi vấn trên hệ thống.")
    return steps


def recipients(letterhead: Letterhead) -> tuple[str, ...]:
    """"Nơi nhận": the authority the report goes up to, then the file copy (Lưu: VT, …)."""
    upward = f"UBND {letterhead.place} (để báo cáo);" if letterhead.authority else "Lãnh đạo Bộ (để báo cáo);"
    return (upward, "Các đơn vị trực thuộc;", f"Lưu: VT, {letterhead.code or 'VP'}.")


def build_document(report: Report, letterhead: Letterhead) -> Document:
    f = current()
    scope = report.scope.name
    blocks: list[Block] = [
        Heading("I. TÓM TẮT KẾT QUẢ"),
        Paragraph(f"Kết quả khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của {scope}, "
                  f"{f.period(report.period)} (phiếu khảo sát \u201c{report.instrument_title}\u201d). "
                  f"Số liệu tính đến {labels.cutoff(report)}."),
        key_figures(report),
    ]
    below = below_target(report)
    if below:
        blocks += [Heading("Đơn vị chưa đạt mục tiêu", 2),
                   Bullets([f"{r.name} ({r.code}): {f.percent(r.composite.value)} "
                            f"[{labels.interval(r.composite)}]" for r in below])]
    blocks += [Heading("Đề xuất", 2), Bullets(next_steps(report)), PageBreak(),
               Heading("II. KẾT QUẢ CHI TIẾT"),
               Table("Bảng 1. Chỉ số từng yếu tố", ELEMENT_COLUMNS,
                     [[e.title, f.percent(e.index.value), labels.interval(e.index), f.count(e.answered),
                       f.number(e.weight, 2)] for e in report.elements], ELEMENT_WIDTHS),
               Chart(trend_chart(report), "Hình 1. Chỉ số hài lòng theo tháng, khoảng tin cậy 95% và mục tiêu")]
    number = 2
    if report.subunits:
        blocks.append(Table(f"Bảng {number}. Đơn vị trực thuộc", labels.UNIT_COLUMNS,
                            [labels.unit_cells(r) for r in report.subunits], UNIT_WIDTHS, numeric_from=2))
        number += 1
    if report.ranking.rows:
        blocks.append(Table(f"Bảng {number}. Xếp hạng (hiệu chỉnh Bayes thực nghiệm)", labels.RANK_COLUMNS,
                            [labels.rank_cells(r) for r in report.ranking.rows], RANK_WIDTHS, numeric_from=3,
                            note="Chỉ số sau hiệu chỉnh kéo đơn vị ít phiếu về mức chung, để đơn vị có vài phiếu "
                                 "không đứng đầu hay cuối chỉ do ngẫu nhiên; khoảng hạng cho biết thứ hạng chắc "
                                 "chắn đến đâu."))
        number += 1
    elif report.ranking.note:
        blocks.append(Paragraph(report.ranking.note, small=True))
    blocks.append(Chart(funnel_chart(report), "Hình 2. Biểu đồ phễu: chỉ số của từng trung tâm theo cỡ mẫu"))
    if report.centres:
        blocks.append(Table(f"Bảng {number}. Các trung tâm phục vụ hành chính công", labels.UNIT_COLUMNS,
                            [labels.unit_cells(r) for r in report.centres], UNIT_WIDTHS, numeric_from=2))
    blocks += [Paragraph(line, small=True) for line in labels.summary_lines(report)[2:]]
    blocks += [Signature(), PageBreak(), Heading("PHỤ LỤC. PHƯƠNG PHÁP TÍNH")]
    method = report.method
    blocks += [Paragraph(text, small=True) for text in (method.weighting, method.design, method.variance,
                                                         method.interval, method.verdict_rule, method.domains,
                                                         *report.notes)]
    blocks += [Paragraph("Tương đương trong R (gói survey):", small=True), Code(method.r_equivalent)]
    return Document(
        letterhead=letterhead,
        number_line=letterhead.number_line,
        date_line=f.long_date(report.generated_at, letterhead.place),
        kind="BÁO CÁO",
        title=f"Kết quả đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của {scope}, "
              f"{f.period(report.period)}",
        blocks=blocks,
        recipients=recipients(letterhead),
    )
