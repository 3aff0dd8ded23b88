"""Reading the audit log: newest first, filtered by action, actor and UTC dates, a page at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from survey.db.tables import AuditLog

PAGE_SIZE = 100


async def audit_actions() -> list[str]:
    rows = await AuditLog.select(AuditLog.action).distinct().order_by(AuditLog.action)
    return [row["action"] for row in rows]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


async def audit_entries(
    action: str = "", actor: str = "", page: int = 1, since: date | None = None, until: date | None = None
) -> tuple[list[dict], bool]:
    """One page of entries and whether another page follows; ``since`` and ``until`` are UTC days, both
    included."""
    if page < 1:
        raise ValueError("page must be 1 or more")
    if since and until and since > until:
        raise ValueError("the first day comes after the last")
    query = AuditLog.select().order_by(AuditLog.id, ascending=False)
    if since:
        query = query.where(AuditLog.at >= _midnight(since))
    if until and until < date.max:  # the last day there is has no day after it to stop before
        query = query.where(AuditLog.at < _midnight(until + timedelta(days=1)))
    if action:
        query = query.where(AuditLog.action == action)
    if actor:
        query = query.where(AuditLog.actor == actor)
    rows = await query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
