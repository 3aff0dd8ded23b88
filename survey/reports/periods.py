"""Report periods: a month, a quarter, a year or a range of months, and the period before it.

Responses carry their month (``YYYY-MM``, local time), so every period is a list of consecutive months
and the database filters it as a string range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^(\d{4})$")
MAX_MONTHS = 120


def month_number(month: str) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    year, m = month.split("-")
    return int(year) * 12 + int(m) - 1


def month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _month(text: str) -> int:
    if not MONTH.match(text):
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return month_number(text)


@dataclass(frozen=True)
class Period:
    """Consecutive months ``first``..``last`` (month numbers), with the label the user gave."""

    label: str
    first: int
    last: int

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

    def previous(self) -> Period:
        """The period of the same length just before: previous month, quarter, year or range."""
        first, last = self.first - self.length, self.first - 1
        return Period(_label_like(self.label, first, last), first, last)

    def ending_window(self, months: int) -> Period:
        """The ``months`` months ending with this period's last month (at least this period)."""
        first = min(self.first, self.last - months + 1)
        return Period(f"{month_label(first)}..{month_label(self.last)}", first, self.last)


def _label_like(label: str, first: int, last: int) -> str:
    if MONTH.match(label):
        return month_label(first)
    if QUARTER.match(label):
        return f"{first // 12:04d}-Q{first % 12 // 3 + 1}"
    if YEAR.match(label):
        return f"{first // 12:04d}"
    return f"{month_label(first)}..{month_label(last)}"


def parse_period(text: str) -> Period:
    """``2026-07``, ``2026-Q3``, ``2026`` or ``2026-05..2026-09``; ValueError naming the problem."""
    text = (text or "").strip()
    if not text:
        raise ValueError("period is missing: give a month (2026-07), quarter (2026-Q3), year (2026) or range (2026-05..2026-09)")
    if MONTH.match(text):
        m = month_number(text)
        return Period(text, m, m)
    if found := QUARTER.match(text):
        first = int(found.group(1)) * 12 + (int(found.group(2)) - 1) * 3
        return Period(text, first, first + 2)
    if YEAR.match(text):
        first = int(text) * 12
        return Period(text, first, first + 11)
    if ".." in text:
        start, end = (part.strip() for part in text.split("..", 1))
        first, last = _month(start), _month(end)
        if last < first:
            raise ValueError(f"period range {text!r} ends before it starts")
        if last - first + 1 > MAX_MONTHS:
            raise ValueError(f"period range {text!r} is longer than {MAX_MONTHS} months")
        return Period(f"{month_label(first)}..{month_label(last)}", first, last)
    raise ValueError(f"period {text!r} is not a month (2026-07), quarter (2026-Q3), year (2026) or range (2026-05..2026-09)")
