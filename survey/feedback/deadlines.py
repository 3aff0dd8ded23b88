"""Deadlines in working days: Monday to Friday, less Vietnam's public holidays.

The holidays fixed by the calendar (Labour Code 2019, article 112: 1 January, 30 April, 1 May, 2 September)
are known here. Those that move every year (Tết Nguyên đán and Giỗ Tổ Hùng Vương follow the lunar calendar;
the day beside 2 September, and the days off in lieu when a holiday falls on a weekend, are announced by the
government each year) come from ``SURVEY_HOLIDAYS`` (dates and ranges, see README). A holiday missing from the
setting makes a deadline earlier than the legal one, never later.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The date ``days`` working days after ``start`` (a comment received on a Saturday counts from Monday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def parse_holidays(text: str) -> frozenset[date]:
    """``2026-02-14..2026-02-22, 2026-04-27`` as a set of dates; ValueError naming the bad part."""
    found: set[date] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first_text, _, last_text = part.partition("..")
        try:
            first = date.fromisoformat(first_text.strip())
            last = date.fromisoformat(last_text.strip()) if last_text else first
        except ValueError:
            raise ValueError(f"{part!r} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)") from None
        if last < first or (last - first).days > 31:
            raise ValueError(f"{part!r}: a range runs forwards and lasts at most a month")
        found.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(found)


def local_date(moment: datetime, tz: str) -> date:
    if moment.tzinfo is None:  # SQLite's CURRENT_TIMESTAMP and older rows: UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz)).date()


def due_on(received_at: datetime, tz: str, days: int, holidays: Collection[date] = ()) -> str:
    return add_working_days(local_date(received_at, tz), days, holidays).isoformat()
