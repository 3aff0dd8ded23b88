"""Words shared by the HTML, PDF, DOCX and XLSX renderers (Vietnamese); numbers, dates and periods are
formatted by :mod:`survey.reports.formatting` in the configured language and time zone."""

from __future__ import annotations

from datetime import date

from survey.reports.formatting import current
from survey.reports.model import IndexValue, Report

TITLE = "Chỉ số hài lòng"
VERDICTS = {
    "met": "Đạt",
    "not_met": "Không đạt",
    "inconclusive": "Chưa kết luận",
    "insufficient_data": "Chưa đủ dữ liệu",
}
UNIT_COLUMNS = ("Mã", "Đơn vị", "Số phiếu", "Chỉ số", "Khoảng tin cậy 95%", "Hài lòng chung", "Đánh giá",
                "Cần thêm phiếu")
RANK_COLUMNS = ("Hạng", "Mã", "Đơn vị", "Chỉ số", "Sau hiệu chỉnh", "Khoảng tin cậy", "Khoảng hạng",
                "P(nhóm đầu)", "P(nhóm cuối)")
DASH = "–"


def percent(value: float | None, decimals: int = 1) -> str:
    return current().percent(value, decimals)


def count(value: int | None) -> str:
    return current().count(value)


def interval(figure: IndexValue) -> str:
    return current().interval(figure.lower, figure.upper)


def period(label: str) -> str:
    return current().period(label)


def generated(report: Report) -> str:
    """"lập lúc 10:04 ngày 04/12/2026", in local time."""
    return current().generated(report.generated_at)


def cutoff(report: Report) -> str:
    """"hết ngày 04/12/2026": the last local day whose answers the figures include (a date, not a moment)."""
    if not report.data_cutoff:
        return "không có phiếu"
    return f"hết ngày {date.fromisoformat(report.data_cutoff).strftime('%d/%m/%Y')}"


def verdict(code: str) -> str:
    return VERDICTS.get(code, code)


def further(responses: int | None) -> str:
    return current().count(responses)


def heading(report: Report) -> str:
    return f"{TITLE} — {report.scope.name} ({report.scope.code}), {period(report.period)}"


def change_text(report: Report) -> str:
    change = report.change
    if change is None or change.difference is None:
        previous = period(change.previous_period) if change else "kỳ trước"
        return f"Không so sánh được với {previous}: thiếu dữ liệu ở một trong hai kỳ."
    f = current()
    significance = "có ý nghĩa thống kê" if change.significant else "không có ý nghĩa thống kê"
    bounds = "" if change.lower is None else f", khoảng tin cậy 95% {f.points(change.lower)} đến {f.points(change.upper)}"
    return (f"So với {period(change.previous_period)} ({percent(change.previous.value)}): {f.points(change.difference)}"
            f" (sai số chuẩn {f.number(None if change.se is None else 100 * change.se)}{bounds}, "
            f"{f.p_value(change.p_value)}, {significance}).")


def unit_cells(row) -> list[str]:
    """A sub-unit's table row; below the minimum sample its figures are withheld (a dash), only the count
    and the responses still needed are shown."""
    settled = row.verdict.verdict in ("met", "not_met")
    unreachable = row.verdict.further_responses is None and row.verdict.verdict == "inconclusive"
    figures = [DASH, DASH, DASH] if row.verdict.verdict == "insufficient_data" else [
        percent(row.composite.value), interval(row.composite), percent(row.overall.value)]
    return [row.code, row.name, count(row.n), figures[0], figures[1], figures[2], verdict(row.verdict.verdict),
            DASH if settled else ("không thể kết luận" if unreachable else further(row.verdict.further_responses))]


def rank_cells(row) -> list[str]:
    return [str(row.rank), row.code, row.name, percent(row.estimate), percent(row.posterior_mean),
            current().interval(row.lower, row.upper), f"{row.rank_lower}–{row.rank_upper}",
            current().number(row.prob_top, 2), current().number(row.prob_bottom, 2)]


def summary_lines(report: Report) -> list[str]:
    c, o = report.composite, report.overall
    return [
        f"Chỉ số hài lòng (5 yếu tố): {percent(c.value)} [{interval(c)}], n = {count(c.n)} — "
        f"{verdict(report.composite_verdict.verdict)} so với mục tiêu {percent(report.target, 0)}.",
        f"Hài lòng chung: {percent(o.value)} [{interval(o)}] — {verdict(report.overall_verdict.verdict)}.",
        change_text(report),
        f"Phiếu hợp lệ {count(report.counts.valid)}, bị gắn cờ {count(report.counts.flagged)}, "
        f"bị loại {count(report.counts.excluded)}"
        + ("" if report.response_rate is None else f"; tỷ lệ phản hồi {percent(report.response_rate)}") + ".",
        *provisional_lines(report),
        *portal_lines(report),
        *on_time_lines(report),
        *report.notes,
    ]


def provisional_lines(report: Report) -> list[str]:
    """Beside every headline: how much of it rests on estimated dossier volumes, and the cut-off."""
    lines = []
    if report.provisional_share:
        lines.append(f"Tạm tính: {percent(report.provisional_share)} số phiếu thuộc các ô (đơn vị × tháng) chưa có số "
                     "hồ sơ nhập từ phần mềm một cửa; số hồ sơ của các ô này được ước tính.")
    if report.data_cutoff:
        lines.append(f"Số liệu tính đến {cutoff(report)}.")
    return lines


def settle_text(verdict) -> str:
    """"Responses to settle" with the weeks they take at the unit's pace, or why there is no such number."""
    if verdict.verdict in ("met", "not_met"):
        return ""
    if verdict.further_responses is None:
        return "Không thể kết luận ở mức ước lượng hiện tại (ước lượng trùng mục tiêu)." if verdict.reason else ""
    weeks = "" if verdict.weeks is None else f" (khoảng {verdict.weeks:.0f} tuần với nhịp phản hồi hiện nay)"
    return f"Cần thêm khoảng {further(verdict.further_responses)} phiếu để kết luận{weeks}."


def on_time_lines(report: Report) -> list[str]:
    """The share of citizens' comments handled by their deadline, when some fell due in the period."""
    c = report.comments_on_time
    if c is None or not c.due:
        return []
    return [f"Góp ý của người dân được xử lý đúng hạn: {percent(c.share)} — {count(c.on_time)} trong "
            f"{count(c.due)} góp ý đã đến hạn (cách tính của Quyết định 766/QĐ-TTg)."]


def portal_lines(report: Report) -> list[str]:
    """Decision 766's score beside the survey index, with why the two differ."""
    p = report.portal
    if p is None:
        return []
    return [f"Theo cách tính của Quyết định 766/QĐ-TTg (đánh giá trên Cổng dịch vụ công): {percent(p.value)} "
            f"— {count(p.not_satisfied)} trong {count(p.dossiers)} hồ sơ bị đánh giá không hài lòng hoặc bị phản ánh "
            f"({count(p.unit_months)} đơn vị-tháng). Hồ sơ không được đánh giá được tính là hài lòng, nên con số này "
            "thường cao hơn chỉ số khảo sát, vốn chỉ tính các câu trả lời."]
