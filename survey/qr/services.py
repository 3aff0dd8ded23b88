"""Which posters to print: the counters of one code or of a unit and everything under it."""

from __future__ import annotations

from survey.db.tables import Counter, Unit
from survey.qr.keys import signing_kid
from survey.qr.posters import Poster
from survey.qr.render import survey_url
from survey.qr.tokens import sign_counter


async def counter_token(secret_key: str, counter_id: int) -> str:
    return sign_counter(secret_key, await signing_kid(), counter_id)


async def _posters(secret_key: str, base_url: str, condition) -> list[Poster]:
    """Posters of the active counters meeting ``condition`` whose units, and the units above them, are open."""
    rows = await Counter.select(Counter.id, Counter.name, Counter.unit.name, Counter.unit.path).where(
        condition & (Counter.active == True)  # noqa: E712
    ).order_by(Counter.unit.path).order_by(Counter.code)
    closed = tuple(row["path"] for row in await Unit.select(Unit.path).where(Unit.active == False))  # noqa: E712
    kid = await signing_kid()
    return [
        Poster(unit_name=row["unit.name"], counter_name=row["name"],
               url=survey_url(base_url, sign_counter(secret_key, kid, row["id"])))
        for row in rows if not row["unit.path"].startswith(closed)
    ]


async def counter_poster(secret_key: str, base_url: str, counter_code: str) -> tuple[Poster, str]:
    """The poster of one open counter, and the path of its unit (for scope checks)."""
    row = await Counter.select(Counter.unit.path).where(Counter.code == counter_code).first()
    found = await _posters(secret_key, base_url, Counter.code == counter_code) if row else []
    if not found:
        raise LookupError(f"unknown or inactive counter {counter_code!r}")
    return found[0], row["unit.path"]


async def unit_posters(secret_key: str, base_url: str, unit_code: str) -> list[Poster]:
    """Posters for every open counter of the unit and its sub-units, grouped by unit."""
    unit = await Unit.select(Unit.path).where(Unit.code == unit_code).first()
    if unit is None:
        raise LookupError(f"unknown unit {unit_code!r}")
    found = await _posters(secret_key, base_url, Counter.unit.path.like(unit["path"] + "%"))
    if not found:
        raise LookupError(f"unit {unit_code!r} has no active counters")
    return found
