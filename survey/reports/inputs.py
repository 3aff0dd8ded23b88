"""What officers type into the report forms, read as they mean it, with the problem in Vietnamese.

A target is written "95", "95%", "95,5%", "0,95" or "0.95"; a period "Quý 3/2026", "Quý III/2026",
"Q3/2026", "2026-Q3", "7/2026", "Tháng 7/2026", "2026-07", "2026" or "2026-05..2026-09"; a unit code in
any case. Each reader returns the canonical form the report services take ("0.95", "2026-Q3"), or
raises :class:`InputError` naming the field, so the page can show the message beside that field.

"""

from __future__ import annotations

from survey.core.periods import PeriodError, parse_period

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


def read_period(text: str | None) -> str:
    """Any accepted form of a month, quarter, year or range → "2026-07" / "2026-Q3" / "2026" / "a..b".

    The forms are :mod:`survey.core.periods`' (their one home); this adds the form field and the wording."""
    raw = " ".join((text or "").split())
    if not raw:
        raise InputError("period", f"Chưa nhập kỳ báo cáo ({PERIOD_HELP}).")
    try:
        return parse_period(raw).label
    except PeriodError as problem:
        raise InputError("period", f"Không hiểu kỳ \u201c{raw}\u201d: {problem.text('vi')}.") from None


def code_variants(text: str | None) -> list[str]:
    """The spellings of a typed unit code to look up, as typed first ("nb" → ["nb", "NB"]): codes are
    compared in any case, but a code stored in lower case still matches exactly."""
    code = (text or "").strip()
    if not code:
        raise InputError("scope", "Chưa nhập mã đơn vị (ví dụ NB).")
    return list(dict.fromkeys([code, code.upper(), code.lower()]))
