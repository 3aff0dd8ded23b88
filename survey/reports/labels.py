"""Words and number formats shared by the HTML, PDF and XLSX renderers (Vietnamese, the default)."""

from __future__ import annotations

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
    return DASH if value is None else f"{100 * value:.{decimals}f}%"


def interval(figure: IndexValue) -> str:
    if figure.lower is None or figure.upper is None:
        return DASH
    return f"{percent(figure.lower)} – {percent(figure.upper)}"


def verdict(code: str) -> str:
    return VERDICTS.get(code, code)


def further(count: int | None) -> str:
    return DASH if count is None else f"{count:,}".replace(",", ".")


def heading(report: Report) -> str:
    return f"{TITLE} — {report.scope.name} ({report.scope.code}), kỳ {report.period}"


def change_text(report: Report) -> str:
    change = report.change
    if change is None or change.difference is None:
        previous = change.previous_period if change else "kỳ trước"
        return f"Không so sánh được với {previous}: thiếu dữ liệu ở một trong hai kỳ."
    sign = "+" if change.difference >= 0 else "−"
    significance = "có ý nghĩa thống kê" if change.significant else "không có ý nghĩa thống kê"
    return (f"So với {change.previous_period} ({percent(change.previous.value)}): {sign}{abs(100 * change.difference):.1f} "
            f"điểm phần trăm (sai số chuẩn {100 * change.se:.1f}, p = {change.p_value:.3f}, {significance}).")


def unit_cells(row) -> list[str]:
    settled = row.verdict.verdict in ("met", "not_met")
    unreachable = row.verdict.further_responses is None and row.verdict.verdict == "inconclusive"
    return [row.code, row.name, str(row.n), percent(row.composite.value), interval(row.composite),
            percent(row.overall.value), verdict(row.verdict.verdict),
            DASH if settled else ("không thể kết luận" if unreachable else further(row.verdict.further_responses))]


def rank_cells(row) -> list[str]:
    return [str(row.rank), row.code, row.name, percent(row.estimate), percent(row.posterior_mean),
            f"{percent(row.lower)} – {percent(row.upper)}", f"{row.rank_lower}–{row.rank_upper}",
            f"{row.prob_top:.2f}", f"{row.prob_bottom:.2f}"]


def summary_lines(report: Report) -> list[str]:
    c, o = report.composite, report.overall
    return [
        f"Chỉ số hài lòng (5 yếu tố): {percent(c.value)} [{interval(c)}], n = {c.n} — "
        f"{verdict(report.composite_verdict.verdict)} so với mục tiêu {percent(report.target, 0)}.",
        f"Hài lòng chung: {percent(o.value)} [{interval(o)}] — {verdict(report.overall_verdict.verdict)}.",
        change_text(report),
        f"Phiếu hợp lệ {report.counts.valid}, bị gắn cờ {report.counts.flagged}, bị loại {report.counts.excluded}"
        + ("" if report.response_rate is None else f"; tỷ lệ phản hồi {percent(report.response_rate)}") + ".",
        *provisional_lines(report),
        *portal_lines(report),
        *report.notes,
    ]


def provisional_lines(report: Report) -> list[str]:
    """Beside every headline: how much of it rests on estimated dossier volumes, and the cut-off."""
    lines = []
    if report.provisional_share:
        lines.append(f"Tạm tính: {percent(report.provisional_share)} số phiếu thuộc các ô (đơn vị × tháng) chưa có số "
                     "hồ sơ nhập từ phần mềm một cửa; số hồ sơ của các ô này được ước tính.")
    if report.data_cutoff:
        year, month, day = report.data_cutoff.split("-")
        lines.append(f"Số liệu tính đến hết ngày {day}/{month}/{year}.")
    return lines


def settle_text(verdict) -> str:
    """"Responses to settle" with the weeks they take at the unit's pace, or why there is no such number."""
    if verdict.verdict in ("met", "not_met"):
        return ""
    if verdict.further_responses is None:
        return "Không thể kết luận ở mức ước lượng hiện tại (ước lượng trùng mục tiêu)." if verdict.reason else ""
    weeks = "" if verdict.weeks is None else f" (khoảng {verdict.weeks:.0f} tuần với nhịp phản hồi hiện nay)"
    return f"Cần thêm khoảng {further(verdict.further_responses)} phiếu để kết luận{weeks}."


def portal_lines(report: Report) -> list[str]:
    """Decision 766's score beside the survey index, with why the two differ."""
    p = report.portal
    if p is None:
        return []
    return [f"Theo cách tính của Quyết định 766/QĐ-TTg (đánh giá trên Cổng dịch vụ công): {percent(p.value)} "
            f"— {p.not_satisfied} trong {p.dossiers} hồ sơ bị đánh giá không hài lòng hoặc bị phản ánh "
            f"({p.unit_months} đơn vị-tháng). Hồ sơ không được đánh giá được tính là hài lòng, nên con số này "
            "thường cao hơn chỉ số khảo sát, vốn chỉ tính các câu trả lời."]
