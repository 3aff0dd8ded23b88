"""One-shot messages shown on the next officer page ("Đã lưu", errors after a redirect)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection

_KEY = "flash"
CATEGORIES = ("info", "success", "error")


def flash(connection: ASGIConnection, message: str, category: str = "success") -> None:
    if category not in CATEGORIES:
        raise ValueError(f"flash category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    session = connection.scope.get("session")
    if isinstance(session, dict) and session:
        session.setdefault(_KEY, []).append([category, message])


def take_flashes(context: Mapping[str, Any], /) -> list[tuple[str, str]]:
    """Template callable: the pending messages, removed from the session as they are shown."""
    request = context["request"]
    session = request.scope.get("session")
    if not isinstance(session, dict):
        return []
    return [tuple(item) for item in session.pop(_KEY, [])]
