"""Counters (quầy): listing within scope, creation, the instrument each one uses, (de)activation, and whether
answers must prove presence with the code on the counter's screen (``survey.citizen.presence``)."""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException

import instruments
from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.admin.errors import AdminError
from survey.admin.units import checked
from survey.audit import record
from survey.citizen.targets import forget_places
from survey.core.i18n import gettext as _
from survey.csvimport import parse_code, parse_text
from survey.db.engine import write_transaction
from survey.db.tables import Counter


def instrument_keys() -> tuple[str, ...]:
    return instruments.registry().keys()


def checked_instrument(key: str) -> str:
    if key not in instrument_keys():
        raise AdminError(_("There is no questionnaire %(key)r; choose one of: %(keys)s", key=key,
                           keys=", ".join(instrument_keys())))
    return key


async def counters_in_scope(officer: CurrentOfficer, unit_path: str | None = None) -> list[dict]:
    """Counters of the officer's units, or of the subtree at ``unit_path`` (already authorised)."""
    rows = await (
        Counter.select(Counter.all_columns(), Counter.unit.code.as_alias("unit_code"), Counter.unit.name.as_alias("unit_name"),
                       Counter.unit.path.as_alias("unit_path"))
        .where(Counter.unit.path.like((unit_path or officer.unit_path) + "%"))
        .order_by(Counter.code)
    )
    from survey.admin.closed import closed_by, closed_paths

    closed = await closed_paths()
    for row in rows:
        row["closed_by"] = closed_by(row["unit_path"], closed)
    return rows


async def authorize_counter(officer: CurrentOfficer, code: str) -> dict:
    counter = await Counter.select(Counter.id, Counter.code, Counter.instrument_key, Counter.unit.path).where(
        Counter.code == code
    ).first()
    if counter is None:
        raise NotFoundException(_("No counter %(code)r.", code=code))
    if not officer.sees(counter["unit.path"]):
        raise PermissionDeniedException(_("Counter %(code)r is outside your scope.", code=code))
    return counter


async def create_counter(officer: CurrentOfficer, code: str, name: str, unit_code: str, instrument_key: str) -> None:
    code = checked(parse_code, code, _("Counter code"))
    name = checked(parse_text, name, _("Counter name"))
    key = checked_instrument(instrument_key.strip())
    unit = await authorize_unit(officer, unit_code.strip())
    async with write_transaction():
        if await Counter.exists().where(Counter.code == code):
            raise AdminError(_("Counter code %(code)s already exists", code=code))
        await Counter.insert(Counter(code=code, name=name, unit=unit["id"], instrument_key=key))
        await record("counter.create", officer.username, target=code, unit=unit["code"], instrument=key)


async def set_counter_instrument(officer: CurrentOfficer, code: str, instrument_key: str) -> None:
    counter = await authorize_counter(officer, code)
    key = checked_instrument(instrument_key.strip())
    async with write_transaction():
        await Counter.update({Counter.instrument_key: key}).where(Counter.id == counter["id"])
        await record("counter.instrument", officer.username, target=code, old=counter["instrument_key"], new=key)
    forget_places()


async def set_counter_active(officer: CurrentOfficer, code: str, active: bool) -> None:
    counter = await authorize_counter(officer, code)
    async with write_transaction():
        await Counter.update({Counter.active: active}).where(Counter.id == counter["id"])
        await record("counter.activate" if active else "counter.deactivate", officer.username, target=code)
    forget_places()


async def set_counter_presence(officer: CurrentOfficer, code: str, required: bool) -> None:
    counter = await authorize_counter(officer, code)
    async with write_transaction():
        await Counter.update({Counter.presence_required: required}).where(Counter.id == counter["id"])
        await record("counter.presence", officer.username, target=code, required=required)
    forget_places()
