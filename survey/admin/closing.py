"""Closing a unit or a counter, seen before it happens, and closed status seen on every row.

Closing a unit closes everything under it (its counters answer 410 until it reopens), so one click on the
country row would silence the whole country. The close buttons therefore lead to a page that says how many
units and counters will stop taking answers, and only its own form closes. Rows under a closed unit show
that they are closed too, and by which unit, though their own switch is still on.
"""

from __future__ import annotations

from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.admin.counters import authorize_counter
from survey.db.tables import Counter, Unit


async def unit_closing(officer: CurrentOfficer, code: str) -> dict:
    """What closing unit ``code`` stops: the open units of its subtree (itself included) and their counters."""
    unit = await authorize_unit(officer, code)
    subtree = Unit.path.like(unit["path"] + "%")
    units = await Unit.count().where(subtree & (Unit.active == True))  # noqa: E712 (SQL, not Python)
    counters = await Counter.count().where(Counter.unit.path.like(unit["path"] + "%") & (Counter.active == True))  # noqa: E712
    return {"kind": "unit", "code": unit["code"], "name": unit["name"], "units": units, "counters": counters,
            "action": f"/officer/admin/units/{unit['code']}/active", "back": "/officer/admin/units"}


async def counter_closing(officer: CurrentOfficer, code: str) -> dict:
    counter = await authorize_counter(officer, code)
    row = await Counter.select(Counter.name).where(Counter.id == counter["id"]).first()
    return {"kind": "counter", "code": counter["code"], "name": row["name"], "units": 0, "counters": 1,
            "action": f"/officer/admin/counters/{counter['code']}/active", "back": "/officer/admin/counters"}
