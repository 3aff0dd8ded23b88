"""The method note printed with every report: weights, design, variance, intervals, verdict rule."""

from __future__ import annotations

from stats.target import TargetRule
from survey.reports.model import Method
from survey.reports.weighting import LONELY_PSU, Weighting

R_EQUIVALENT = (
    'library(survey); options(survey.lonely.psu = "{lonely}")\n'
    "d <- svydesign(ids = ~counter, strata = ~province, weights = ~1, nest = TRUE, data = responses)\n"
    "{post_stratify}"
    'svyciprop(~I(e1 >= 4), subset(d, unit %in% scope & period %in% months), method = "beta", level = {level})\n'
    "# composite: svycontrast(svyby(~sat1+...+sat5, ~domain, d, svymean, na.rm = TRUE), weights)"
)

POST_STRATIFY = "d <- postStratify(d, ~unit_month, volumes)   # volumes: unit_month, Freq = dossiers\n"


def method(weighting: Weighting, rule: TargetRule, level: float) -> Method:
    if weighting.weighted:
        weights = (f"Hậu phân tầng (post-stratification): mỗi đơn vị-tháng được gia trọng về số hồ sơ đã giải quyết, "
                   f"w = N(đơn vị, tháng) / n(đơn vị, tháng); {weighting.unit_months} đơn vị-tháng đều có số hồ sơ.")
    elif weighting.unit_months:
        weights = (f"Không gia trọng (w = 1): {weighting.missing_volumes} trong {weighting.unit_months} đơn vị-tháng "
                   "chưa có số hồ sơ, nên chỉ số là tỷ lệ trên phiếu trả lời, chưa đại diện cho số hồ sơ.")
    else:
        weights = "Không có phiếu trả lời hợp lệ trong phạm vi và kỳ báo cáo."
    one_sided = 2 * rule.one_sided_level - 1
    return Method(
        weighted=weighting.weighted,
        weighting=weights,
        design=("Thiết kế phân tầng theo cụm: tầng = tỉnh/thành phố, cụm = quầy (nest=TRUE); chỉ phiếu hợp lệ; "
                "phiếu bị gắn cờ hoặc bị loại không được tính."),
        variance=("Phương sai tuyến tính hoá Taylor, xấp xỉ chọn có hoàn lại (không hiệu chỉnh quần thể hữu hạn); "
                  "khi có gia trọng, phương sai tính cả hậu phân tầng (phần dư trong từng đơn vị-tháng, như "
                  f"postStratify của R); tầng chỉ có một quầy: lonely.psu = \"{LONELY_PSU}\"."),
        interval=(f"Khoảng tin cậy {level:.0%} Korn-Graubard (beta, như svyciprop method=\"beta\"); ước lượng bằng 0 "
                  "hoặc 1 dùng Clopper-Pearson trên cỡ mẫu hiệu dụng Kish."),
        verdict_rule=(f"Đạt khi cận dưới một phía {rule.one_sided_level:.0%} (khoảng hai phía {one_sided:.0%}) ≥ "
                      f"{rule.tau:.0%}; không đạt khi cận trên một phía < {rule.tau:.0%}; còn lại là chưa kết luận; "
                      f"thiếu dữ liệu khi n < {rule.min_n} hoặc cỡ mẫu hiệu dụng < {rule.min_n_eff:g}."),
        domains=("Mỗi đơn vị, tháng và kỳ là một miền (domain) của toàn bộ thiết kế, không cắt dữ liệu; bậc tự do = "
                 "số quầy trừ số tầng trong miền. Chỉ số tổng hợp = trung bình có trọng số của 5 yếu tố, mỗi yếu tố "
                 "trên người đã trả lời yếu tố đó; mức hài lòng = 4 hoặc 5."),
        r_equivalent=R_EQUIVALENT.format(lonely=LONELY_PSU, level=level, post_stratify=POST_STRATIFY if weighting.weighted else ""),
        unit_months=weighting.unit_months,
        missing_volumes=weighting.missing_volumes,
    )
