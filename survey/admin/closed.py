"""Closed status seen on every row: which closed unit, at or above a row, closes it.

Apart from ``closing`` so that the unit and counter services can read it without importing the closing pages.
"""

from __future__ import annotations

from survey.db.tables import Unit


async def closed_paths() -> dict[str, str]:
    """Path → code of every closed unit (few), to tell the rows beneath them."""
    return {r["path"]: r["code"] for r in await Unit.select(Unit.path, Unit.code).where(Unit.active == False)}  # noqa: E712


def closed_by(path: str, closed: dict[str, str]) -> str | None:
    """The code of the closest closed unit at or above ``path``, or None while everything above is open."""
    above = [p for p in closed if path.startswith(p)]
    return closed[max(above, key=len)] if above else None
