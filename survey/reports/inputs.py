"""What officers type into the report forms, read as they mean it, with the problem in Vietnamese.

A target is written "95", "95%", "95,5%", "0,95" or "0.95"; a period "Quý 3/2026", "Quý III/2026",
"Q3/2026", "2026-Q3", "7/2026", "Tháng 7/2026", "2026-07", "2026" or "2026-05..2026-09"; a unit code in
any case. Each reader returns the canonical form the report services take ("0.95", "2026-Q3"), or
raises :class:`InputError` naming the field, so the page can show the message beside that field.

(The period forms belong with the shared period vocabulary; this reader is meant to move there.)
"""

from __future__ import annotations

import re

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
QUARTER_FORMS = (
    re.compile(r"^(?:QUÝ|QUY|Q)\s*([1-4]|IV|III|II|I)\s*[/\-. ]\s*(\d{4})$"),  # Quý 3/2026, Q3/2026, Q3-2026
    re.compile(r"^(\d{4})\s*[-/ ]\s*(?:QUÝ|QUY|Q)\s*([1-4]|IV|III|II|I)$"),  # 2026-Q3, 2026 Q3
)
MONTH_FIRST = re.compile(r"^(?:THÁNG|THANG|T)?\s*(\d{1,2})\s*[/\-.]\s*(\d{4})$")  # 7/2026, Tháng 7/2026
YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")  # 2026-07, 2026/7
YEAR = re.compile(r"^(?:NĂM|NAM)?\s*(\d{4})$")
PERIOD_HELP = "ví dụ: Quý 3/2026, 7/2026, 2026 hoặc 2026-05..2026-09"


class InputError(ValueError):
    """A field the officer must correct: ``field`` is the form field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def read_target(text: str | None) -> str:
    """"95", "95%", "95,5%", "0,95", "0.95" → "0.95" / "0.955"; empty → the default (empty string)."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        return ""
    percent = raw.endswith("%")
    number = raw.rstrip("%").replace(",", ".")
    try:
        value = float(number)
    except ValueError:
        raise InputError("target", f"Mục tiêu \u201c{text}\u201d không phải là số; nhập ví dụ 95 hoặc 95%.") from None
    if percent or value > 1:
        value /= 100
    if not 0 < value < 1:
        raise InputError("target", f"Mục tiêu \u201c{text}\u201d phải nằm giữa 0% và 100% (ví dụ 95%).")
    return f"{value:.6g}"


def _quarter(year: str, quarter: str) -> str:
    number = ROMAN.get(quarter) or int(quarter)
    return f"{year}-Q{number}"


def _month(year: str, month: str, text: str) -> str:
    if not 1 <= int(month) <= 12:
        raise InputError("period", f"Kỳ \u201c{text}\u201d: tháng {int(month)} không tồn tại.")
    return f"{year}-{int(month):02d}"


def _range(raw: str) -> str:
    """"5/2026..9/2026" or "Q1/2026..Q3/2026" → "2026-01..2026-09": a range runs from the first month of its
    first end to the last month of its last end."""
    from survey.core.periods import MAX_MONTHS, parse_period

    first, last = (parse_period(read_period(part)) for part in raw.split("..", 1))
    if last.last < first.first:
        raise InputError("period", f"Kỳ \u201c{raw}\u201d kết thúc trước khi bắt đầu.")
    if last.last - first.first + 1 > MAX_MONTHS:
        raise InputError("period", f"Kỳ \u201c{raw}\u201d dài quá {MAX_MONTHS} tháng.")
    return f"{first.first_month}..{last.last_month}"


def read_period(text: str | None) -> str:
    """Any accepted form of a month, quarter, year or month range → "2026-07" / "2026-Q3" / "2026" / "a..b"."""
    raw = " ".join((text or "").split())
    if not raw:
        raise InputError("period", f"Chưa nhập kỳ báo cáo ({PERIOD_HELP}).")
    if ".." in raw:
        return _range(raw)
    upper = raw.upper()
    for number, form in enumerate(QUARTER_FORMS):
        if found := form.match(upper):
            quarter, year = found.groups() if number == 0 else found.groups()[::-1]
            return _quarter(year, quarter)
    if found := MONTH_FIRST.match(upper):
        return _month(found.group(2), found.group(1), raw)
    if found := YEAR_FIRST.match(upper):
        return _month(found.group(1), found.group(2), raw)
    if found := YEAR.match(upper):
        return found.group(1)
    raise InputError("period", f"Không hiểu kỳ \u201c{raw}\u201d ({PERIOD_HELP}).")


def code_variants(text: str | None) -> list[str]:
    """The spellings of a typed unit code to look up, as typed first ("nb" → ["nb", "NB"]): codes are
    compared in any case, but a code stored in lower case still matches exactly."""
    code = (text or "").strip()
    if not code:
        raise InputError("scope", "Chưa nhập mã đơn vị (ví dụ NB).")
    return list(dict.fromkeys([code, code.upper(), code.lower()]))
