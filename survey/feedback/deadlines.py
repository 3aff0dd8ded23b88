"""Deadlines in working days (Monday to Friday). Public holidays are not known to the platform yet: a deadline
that spans Tết is therefore earlier than the legal one, never later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (a comment received on a Saturday counts from Monday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def local_date(moment: datetime, tz: str) -> date:
    if moment.tzinfo is None:  # SQLite's CURRENT_TIMESTAMP and older rows: UTC without an offset
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz)).date()


def due_on(received_at: datetime, tz: str, days: int) -> str:
    return add_working_days(local_date(received_at, tz), days).isoformat()
