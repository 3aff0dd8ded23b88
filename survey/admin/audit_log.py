"""Reading the audit log: newest first, filtered by action and actor, a page at a time."""

from __future__ import annotations

from survey.db.tables import AuditLog

PAGE_SIZE = 100


async def audit_actions() -> list[str]:
    rows = await AuditLog.select(AuditLog.action).distinct().order_by(AuditLog.action)
    return [row["action"] for row in rows]


async def audit_entries(action: str = "", actor: str = "", page: int = 1) -> tuple[list[dict], bool]:
    """One page of entries and whether another page follows."""
    if page < 1:
        raise ValueError("page must be 1 or more")
    query = AuditLog.select().order_by(AuditLog.id, ascending=False)
    if action:
        query = query.where(AuditLog.action == action)
    if actor:
        query = query.where(AuditLog.actor == actor)
    rows = await query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
