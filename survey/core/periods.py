"""Periods: a month, a quarter, a year or a range of months; their shifts, bounds and labels.

Responses carry their month (``YYYY-MM``, local time), so every period is a run of consecutive months
and the database filters it as a string range. A month is also a number (months since year 0) so that
consecutive months differ by one and a shift is an addition.

People type periods in several ways (``2026-07``, ``7/2026``, ``2026-Q3``, ``Quý 3/2026``...); each
parses to one ``Period`` whose ``label`` is the canonical form used in URLs, file names and the CLI,
and whose ``title(lang)`` is what a report prints ("Quý III/2026", "Q3 2026").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from survey.core.text import Text, pick_language

MAX_MONTHS = 120
ROMAN = ("I", "II", "III", "IV")
MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")
FORMS = "2026-07, 7/2026, 2026-Q3, Q3/2026, Quý 3/2026, 2026, 2026-05..2026-09"

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")  # 2026-07 (not 2026-7)
_MONTH_SLASH = re.compile(r"(?:tháng\s*)?(0?[1-9]|1[0-2])/(\d{4})")  # 7/2026, Tháng 7/2026
_QUARTER = re.compile(r"(\d{4})-q([1-4])")  # 2026-Q3
_QUARTER_SLASH = re.compile(r"(?:q|quý\s*)([1-4]|iv|iii|ii|i)[/ ](\d{4})")  # Q3/2026, Quý III/2026
_YEAR = re.compile(r"(?:năm\s*)?(\d{4})")
# A month that looks like one but does not exist ("2026-13", "13/2026"), to say so rather than "not a period".
_NO_SUCH_MONTH = re.compile(r"\d{4}-(\d{2})|(?:tháng\s*)?(\d{1,2})/\d{4}")
_RANGE = re.compile(r"\s*(?:\.\.|–)\s*")


class PeriodError(ValueError):
    """A period that cannot be read, said in Vietnamese and in English; ``str()`` gives both."""

    def __init__(self, vi: str, en: str) -> None:
        self.message = Text(vi, en)
        super().__init__(f"{vi} / {en}")

    def text(self, lang: str) -> str:
        return self.message.get(pick_language(lang))


class Grain(StrEnum):
    """What kind of period it is; a range is any run of months that is not one of the others."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


def month_number(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` month, so that consecutive months differ by one."""
    if not _MONTH.fullmatch(month):
        raise PeriodError(f"{month!r} không phải là tháng (YYYY-MM)", f"{month!r} is not a month (YYYY-MM)")
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_label(number: int) -> str:
    """The ``YYYY-MM`` month of a month number."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def quarter_of(month: str) -> str:
    """The ``YYYY-Qn`` quarter a ``YYYY-MM`` month falls in."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The start of ``month`` and of the month after, in the time zone ``tz`` (aware datetimes)."""
    number = month_number(month)
    return _month_start(number, tz), _month_start(number + 1, tz)


def month_of(moment: datetime, tz: str) -> str:
    """The local ``YYYY-MM`` month in which an aware ``moment`` falls in the time zone ``tz``."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def _month_start(number: int, tz: str) -> datetime:
    return datetime(number // 12, number % 12 + 1, 1, tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Period:
    """Consecutive months ``first``..``last`` (month numbers) of a ``grain``."""

    first: int
    last: int
    grain: Grain = Grain.RANGE

    @classmethod
    def month(cls, month: str) -> Period:
        number = month_number(month)
        return cls(number, number, Grain.MONTH)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = year * 12 + (quarter - 1) * 3
        return cls(first, first + 2, Grain.QUARTER)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(year * 12, year * 12 + 11, Grain.YEAR)

    @classmethod
    def range(cls, first: int, last: int) -> Period:
        """Months ``first``..``last``; a range that is exactly a month, quarter or year stays a range."""
        return cls(first, last, Grain.RANGE)

    @property
    def months(self) -> list[str]:
        return [month_label(m) for m in range(self.first, self.last + 1)]

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def first_month(self) -> str:
        return month_label(self.first)

    @property
    def last_month(self) -> str:
        return month_label(self.last)

    @property
    def label(self) -> str:
        """The canonical form: ``2026-07``, ``2026-Q3``, ``2026`` or ``2026-05..2026-09``."""
        if self.grain is Grain.MONTH:
            return month_label(self.first)
        if self.grain is Grain.QUARTER:
            return quarter_of(month_label(self.first))
        if self.grain is Grain.YEAR:
            return f"{self.first // 12:04d}"
        return f"{month_label(self.first)}..{month_label(self.last)}"

    def title(self, lang: str = "vi") -> str:
        """What a person reads: "Tháng 7/2026", "Quý III/2026", "Năm 2026" (or "July 2026", "Q3 2026")."""
        year, month = divmod(self.first, 12)
        if self.grain is Grain.MONTH:
            return f"{MONTH_NAMES_EN[month]} {year}" if lang == "en" else f"Tháng {month + 1}/{year}"
        if self.grain is Grain.QUARTER:
            return f"Q{month // 3 + 1} {year}" if lang == "en" else f"Quý {ROMAN[month // 3]}/{year}"
        if self.grain is Grain.YEAR:
            return f"Year {year}" if lang == "en" else f"Năm {year}"
        start, end = (Period.month(month_label(m)).title(lang) for m in (self.first, self.last))
        return f"{start} – {end}"

    def shift(self, months: int) -> Period:
        """The period of the same grain ``months`` months later (earlier when negative)."""
        return Period(self.first + months, self.last + months, self.grain)

    def previous(self) -> Period:
        """The period of the same length just before: previous month, quarter, year or range."""
        return self.shift(-self.length)

    def same_period_last_year(self) -> Period:
        return self.shift(-12)

    def ending_window(self, months: int) -> Period:
        """The ``months`` months ending with this period's last month (at least this period)."""
        return Period.range(min(self.first, self.last - months + 1), self.last)

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """The start of the first month and of the month after the last, in the time zone ``tz``."""
        return _month_start(self.first, tz), _month_start(self.last + 1, tz)


def _roman(text: str) -> int:
    return int(text) if text.isdigit() else ROMAN.index(text.upper()) + 1


def _single(text: str) -> Period | None:
    """One month, quarter or year in any accepted form (lower-cased), or None."""
    if found := _MONTH.fullmatch(text):
        year, month = int(found.group(1)), int(found.group(2))
    elif found := _MONTH_SLASH.fullmatch(text):
        year, month = int(found.group(2)), int(found.group(1))
    elif found := _QUARTER.fullmatch(text):
        return Period.quarter(int(found.group(1)), int(found.group(2))) if int(found.group(1)) >= 1 else None
    elif found := _QUARTER_SLASH.fullmatch(text):
        return Period.quarter(int(found.group(2)), _roman(found.group(1))) if int(found.group(2)) >= 1 else None
    elif found := _YEAR.fullmatch(text):
        return Period.year(int(found.group(1))) if int(found.group(1)) >= 1 else None
    else:
        return None
    # Year 0 has no calendar dates (month bounds, receipts): refused like any unreadable period.
    return Period.month(f"{year:04d}-{month:02d}") if year >= 1 else None


def _range_end(text: str) -> Period:
    """An end of a range: one month (a range is written in months)."""
    found = _single(text.lower())
    if found is None or found.grain is not Grain.MONTH:
        raise PeriodError(f"{text!r} không phải là tháng (YYYY-MM)", f"{text!r} is not a month (YYYY-MM)")
    return found


def parse_period(text: str | None) -> Period:
    """A period in any accepted form (see ``FORMS``); PeriodError naming the problem in both languages."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not text:
        raise PeriodError(f"thiếu kỳ báo cáo: nhập một tháng, quý, năm hoặc khoảng tháng ({FORMS})",
                          "period is missing: give a month (2026-07), quarter (2026-Q3), year (2026) or range "
                          "(2026-05..2026-09)")
    if found := _single(text.lower()):
        return found
    if wrong := _NO_SUCH_MONTH.fullmatch(text.lower()):
        month = int(wrong.group(1) or wrong.group(2))
        raise PeriodError(f"kỳ {text!r} không phải là tháng, quý, năm hay khoảng tháng: tháng {month} không tồn tại",
                          f"period {text!r} is not a month: there is no month {month}")
    ends = _RANGE.split(text)
    if len(ends) == 2:
        first, last = _range_end(ends[0]).first, _range_end(ends[1]).last
        if last < first:
            raise PeriodError(f"khoảng tháng {text!r} kết thúc trước khi bắt đầu",
                              f"period range {text!r} ends before it starts")
        if last - first + 1 > MAX_MONTHS:
            raise PeriodError(f"khoảng tháng {text!r} dài hơn {MAX_MONTHS} tháng",
                              f"period range {text!r} is longer than {MAX_MONTHS} months")
        return Period.range(first, last)
    raise PeriodError(f"kỳ {text!r} không phải là tháng, quý, năm hay khoảng tháng ({FORMS})",
                      f"period {text!r} is not a month (2026-07), quarter (2026-Q3), year (2026) or range "
                      f"(2026-05..2026-09)")


def parse_month(text: str | None) -> str:
    """One month in any accepted form, as ``YYYY-MM``; PeriodError otherwise."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    found = _single(text.lower())
    if found is None or found.grain is not Grain.MONTH:
        raise PeriodError(f"{text!r} không phải là tháng (YYYY-MM, ví dụ 2026-07)",
                          f"{text!r} is not a month written YYYY-MM, e.g. 2026-07")
    return found.label
