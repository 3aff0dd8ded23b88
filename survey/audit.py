"""The audit log: who did what, written in the same transaction as the change where there is one."""

from __future__ import annotations

from typing import Any

from survey.db.tables import AuditLog


async def record(action: str, actor: str = "system", target: str = "", **detail: Any) -> None:
    await AuditLog.insert(AuditLog(action=action, actor=actor, target=target, detail=detail))
