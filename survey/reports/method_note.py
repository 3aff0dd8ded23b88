"""The method note printed with every report: weights, design, variance, intervals, verdict rule, and
the R code that reproduces every figure from the report's rows."""

from __future__ import annotations

import numpy as np

from stats.target import TargetRule
from survey.reports.design import KNOWN, PROVINCE_MEDIAN, UNIT_MEAN, UNWEIGHTED, ReportDesign
from survey.reports.model import Method

R_CELL = "d <- svydesign(ids = ~1, strata = ~stratum, weights = ~w, fpc = ~N_stratum, data = responses)\n"
R_COUNTER_DAY = ("d <- svydesign(ids = ~counter_day, strata = ~stratum, weights = ~w, fpc = ~f_stratum, "
                 "data = responses)\n")
R_EQUIVALENT = (
    'library(survey); options(survey.lonely.psu = "adjust")\n'
    "# responses: one row per valid response received up to the cut-off; s1..s5, s_overall: 1 satisfied (4-5),\n"
    "#   0 not, NA not answered; r1..r5 = !is.na(s1..s5); w = N/n of its unit-month cell; stratum = the cell after\n"
    "#   collapsing single-response cells; N_stratum = dossiers of the stratum's cells; f_stratum = n/N of it\n"
    "{design}"
    "svyby(~s1, ~domain, subset(d, !is.na(s1)), svyciprop, method = \"beta\", level = {level})   # each element\n"
    "# composite, per domain x: svycontrast(svyratio(~s1+s2+s3+s4+s5, ~r1+r2+r3+r4+r5,\n"
    "#   subset(d, domain == x), covmat = TRUE), c(\"s1/r1\" = a1, ..., \"s5/r5\" = a5))\n"
    "# its interval: Korn-Graubard on n_eff = p(1-p)/SE^2 with degf(subset(d, domain == x)) degrees of freedom"
)


def method(design: ReportDesign, rule: TargetRule, level: float) -> Method:
    cells = design.cells
    sources = {name: int((cells.source == name).sum()) for name in (KNOWN, UNIT_MEAN, PROVINCE_MEDIAN, UNWEIGHTED)}
    if cells.size == 0:
        weights = "Không có phiếu trả lời hợp lệ trong phạm vi và kỳ báo cáo."
    else:
        weights = (f"Mỗi ô gia trọng (đơn vị × tháng) được coi là mẫu ngẫu nhiên đơn giản từ N hồ sơ của ô (giả định "
                   f"gần-ngẫu nhiên): w = N/n. {sources[KNOWN]} trong {cells.size} ô có số hồ sơ nhập từ phần mềm một cửa.")
        estimated = cells.size - sources[KNOWN]
        if estimated:
            weights += (f" {estimated} ô chưa có số hồ sơ được ước tính và đánh dấu tạm tính: {sources[UNIT_MEAN]} theo "
                        f"trung bình 12 tháng trước của chính đơn vị (tháng đang diễn ra tính theo ngày làm việc đã qua), "
                        f"{sources[PROVINCE_MEDIAN]} theo trọng số trung vị các ô cùng tháng của tỉnh, "
                        f"{sources[UNWEIGHTED]} không gia trọng (w = 1, không hiệu chỉnh quần thể hữu hạn).")
    one_sided = 2 * rule.one_sided_level - 1
    if design.kind == "cell":
        design_text = ("Phân tầng theo ô (đơn vị × tháng); đơn vị mẫu là người trả lời trong ô; hiệu chỉnh quần thể "
                       "hữu hạn 1 − n/N. Quầy không phải đơn vị mẫu: mọi quầy của đơn vị đều được quan sát.")
        df_text = "bậc tự do = số phiếu trừ số ô trong miền"
    else:
        design_text = ("Phân tầng theo ô (đơn vị × tháng); đơn vị mẫu sơ cấp là quầy-ngày trong ô (cho phép các phiếu "
                       "cùng quầy cùng ngày giống nhau); hiệu chỉnh 1 − n/N theo tỷ lệ phiếu trên hồ sơ của ô.")
        df_text = "bậc tự do = số quầy-ngày trừ số ô trong miền"
    return Method(
        design_name=design.kind,
        weighting=weights,
        design=design_text + " Chỉ phiếu hợp lệ; phiếu bị gắn cờ hoặc bị loại không được tính.",
        variance=("Phương sai tuyến tính hoá Taylor trong từng tầng. Ô chỉ có một phiếu (hoặc một quầy-ngày) được gộp "
                  "với tháng gần nhất của cùng đơn vị trong kỳ; ô không gộp được tính phần đóng góp (1 − f)·u² "
                  "(lonely.psu = \"adjust\"). Ô có số phiếu vượt số hồ sơ bỏ hiệu chỉnh quần thể hữu hạn."),
        interval=(f"Khoảng tin cậy {level:.0%} Korn-Graubard (beta, như svyciprop method=\"beta\"); ước lượng bằng 0 "
                  "hoặc 1, hoặc sai số chuẩn gần 0 (dưới 1e-12), dùng Clopper-Pearson trên cỡ mẫu hiệu dụng Kish."),
        verdict_rule=(f"Đạt khi cận dưới một phía {rule.one_sided_level:.0%} (khoảng hai phía {one_sided:.0%}) ≥ "
                      f"{rule.tau:.0%}; không đạt khi cận trên một phía < {rule.tau:.0%}; còn lại là chưa kết luận; "
                      f"thiếu dữ liệu (không công bố số liệu) khi n < {rule.min_n} hoặc cỡ mẫu hiệu dụng < "
                      f"{rule.min_n_eff:g}."),
        domains=(f"Mỗi đơn vị, tháng và kỳ là một miền (domain) của thiết kế; {df_text}. Chỉ số tổng hợp = trung bình "
                 "có trọng số của 5 yếu tố, mỗi yếu tố trên người đã trả lời yếu tố đó; mức hài lòng = 4 hoặc 5."),
        r_equivalent=R_EQUIVALENT.format(design=R_CELL if design.kind == "cell" else R_COUNTER_DAY, level=level),
        cells=int(cells.size),
        provisional_cells=int(np.sum(cells.provisional)) if cells.size else 0,
    )
