"""Sorting a comment to the SIPAS elements it speaks of, by a transparent keyword lexicon.

Matching ignores case, diacritics and punctuation (citizens type on phones, often without accents: "can bo
nhiet tinh" matches "cán bộ nhiệt tình") and is by whole words: a keyword matches where its words appear in
that order in the comment. Stripping diacritics merges words Vietnamese keeps apart (chậm/chăm, chờ/cho,
quạt/quát, trễ/trẻ, đông/đồng all become one spelling), so those words enter the lexicon only inside phrases
that keep them apart ("chậm trễ", "phải chờ", "quạt máy", "trễ hẹn", "đông người").

A comment may speak of several elements, or of none the lexicon knows ("cảm ơn"); the manager can change
the labels. The lexicon below is the shipped default; administrators replace it from the inbox's lexicon page
(stored in the ``feedback_keyword`` table). Its precision and recall per element on a labelled sample of
comments are measured by ``tests/feedback/test_lexicon_accuracy.py`` and reported in README.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

ELEMENTS = ("access", "procedures", "civil_servant", "results", "feedback")
ELEMENT_NAMES = {
    "access": "Tiếp cận dịch vụ",
    "procedures": "Thủ tục hành chính",
    "civil_servant": "Công chức",
    "results": "Kết quả giải quyết",
    "feedback": "Tiếp nhận, xử lý góp ý",
}

DEFAULT: dict[str, tuple[str, ...]] = {
    "access": (
        "cơ sở vật chất", "trụ sở", "phòng chờ", "ghế ngồi", "ghế chờ", "thiếu ghế", "chỗ ngồi", "phải chờ",
        "chờ đợi", "chờ lâu", "ngồi chờ", "thời gian chờ", "xếp hàng", "bốc số", "lấy số", "số thứ tự",
        "máy lấy số", "gửi xe", "để xe", "đỗ xe", "bãi xe", "nhà vệ sinh", "điều hòa", "máy lạnh", "quạt máy",
        "quạt trần", "nóng bức", "oi bức", "rất nóng", "quá nóng", "chật chội", "chật hẹp", "rộng rãi",
        "thoáng mát", "sạch sẽ", "nước uống", "khó tìm", "biển chỉ dẫn", "sơ đồ", "wifi", "đường truyền",
        "mạng yếu", "trực tuyến", "online", "dịch vụ công", "cổng dịch vụ", "giờ làm việc", "giờ mở cửa",
        "nghỉ trưa", "thứ bảy", "người khuyết tật", "xe lăn", "người già", "người cao tuổi", "thang máy",
        "đông người", "quá đông", "rất đông", "đông đúc", "bàn viết", "máy tra cứu", "kiốt", "ki ốt",
        "tra cứu", "mở cửa", "lối vào", "lối đi", "đường vào", "cửa ra vào", "gọi số", "màn hình", "bảng điện tử",
        "trông xe", "ô tô", "máy photo", "hết ghế", "mái che", "hành lang", "cây xanh", "loa", "chen lấn",
        "đến lượt", "ở xa", "leo", "tầng",
    ),
    "procedures": (
        "thủ tục", "giấy tờ", "bộ hồ sơ", "thành phần hồ sơ", "bổ sung hồ sơ", "hồ sơ phức tạp", "nhiều hồ sơ",
        "biểu mẫu", "mẫu tờ khai", "khai lại", "mẫu đơn", "rườm rà", "phức tạp", "rắc rối", "đơn giản hóa",
        "lệ phí", "phí công chứng", "chi phí", "khoản phí", "bổ sung", "yêu cầu thêm", "bản sao", "bản chụp",
        "công chứng", "quy trình", "quy định về", "thành phần", "đi lại nhiều", "nhiều khâu", "nhiều bước",
        "chữ ký số", "thanh toán", "giấy xác nhận", "xác nhận của", "ủy quyền",
    ),
    "civil_servant": (
        "cán bộ", "công chức", "nhân viên", "chuyên viên", "thái độ", "nhiệt tình", "tận tình", "tận tâm",
        "niềm nở", "vui vẻ", "lịch sự", "hòa nhã", "thân thiện", "chu đáo", "ân cần", "khó chịu", "cáu gắt",
        "gắt gỏng", "quát tháo", "bị quát", "hách dịch", "thờ ơ", "làm việc riêng", "việc riêng",
        "điện thoại riêng", "nói chuyện riêng", "bồi dưỡng", "tiêu cực", "nhũng nhiễu", "gây khó dễ",
        "làm khó", "vòi vĩnh", "chuyên nghiệp", "nghiệp vụ", "hướng dẫn", "giải thích", "tư vấn",
        "trách nhiệm", "các anh chị", "các chị", "các anh", "cô ấy", "anh ấy", "chị ấy", "em ấy", "bạn ấy",
    ),
    "results": (
        "kết quả", "đúng hẹn", "trễ hẹn", "trễ hạn", "bị trễ", "chậm trễ", "quá hạn", "đúng hạn", "trước hạn",
        "sớm hơn", "nhanh", "kịp thời", "giấy hẹn", "phiếu hẹn", "ngày hẹn", "hẹn lại", "sai sót", "bị sai",
        "in sai", "ghi sai", "sai tên", "sai thông tin", "chính xác", "thời gian giải quyết", "giải quyết chậm",
        "xử lý chậm", "làm chậm", "rất chậm", "quá chậm", "lâu quá", "rất lâu", "quá lâu", "thư xin lỗi",
        "sổ đỏ", "giấy chứng nhận", "được cấp", "cấp lại", "nhận được", "xong", "trong ngày",
    ),
    "feedback": (
        "góp ý", "phản ánh", "kiến nghị", "khiếu nại", "tố cáo", "hộp thư", "đường dây nóng", "hotline",
        "tiếp thu", "phản hồi", "không ai trả lời", "chưa được trả lời", "chưa trả lời", "lắng nghe",
        "ý kiến", "zalo", "đánh giá", "khảo sát",
    ),
}

_SPACES = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, no diacritics (đ as d), words separated by single spaces, padded with one space each side."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return f" {_SPACES.sub(' ', plain).strip()} "


def compile_lexicon(lexicon: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Keywords normalized once, the empty ones dropped, per element in the instrument's order."""
    return {element: tuple(sorted({normalize(k) for k in lexicon.get(element, ()) if normalize(k).strip()}))
            for element in ELEMENTS}


def classify(text: str, compiled: Mapping[str, Sequence[str]]) -> list[str]:
    """The elements whose keywords appear in ``text`` (in the instrument's order)."""
    plain = normalize(text)
    return [element for element in ELEMENTS if any(keyword in plain for keyword in compiled.get(element, ()))]


def matches(text: str, compiled: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Which keywords of which element matched: shown beside a label so a manager sees why it was given."""
    plain = normalize(text)
    found = {element: [k.strip() for k in compiled.get(element, ()) if k in plain] for element in ELEMENTS}
    return {element: keys for element, keys in found.items() if keys}
