"""Units: the tree within an officer's scope, creation, renaming and (de)activation."""

from __future__ import annotations

from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.admin.errors import AdminError
from survey.audit import record
from survey.citizen.targets import forget_places
from survey.core.i18n import gettext as _
from survey.core.units import UnitPath
from survey.csvimport import parse_code, parse_text
from survey.db.engine import write_transaction
from survey.db.tables import Unit


def checked(parse, value: str, label: str) -> str:
    """``parse`` from the CSV importers, so a unit typed in a form obeys the same rules as one imported."""
    value = value.strip()
    if not value:
        raise AdminError(_("%(field)s: not filled in", field=label))
    try:
        return parse(value)
    except ValueError as exc:
        raise AdminError(f"{label}: {exc}") from None


async def unit_tree(officer: CurrentOfficer) -> list[dict]:
    """Units in scope in tree order (siblings by code), each with its ``depth`` below the officer's top."""
    rows = await Unit.select().where(Unit.path.like(officer.unit_path + "%"))
    children: dict[int | None, list[dict]] = {}
    ids = {row["id"] for row in rows}
    for row in rows:
        children.setdefault(row["parent"] if row["parent"] in ids else None, []).append(row)
    ordered: list[dict] = []

    def visit(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r["code"]):
            ordered.append({**row, "depth": depth})
            visit(row["id"], depth + 1)

    visit(None, 0)
    from survey.admin.closed import closed_by, closed_paths

    closed = await closed_paths()
    for row in ordered:
        row["closed_by"] = closed_by(row["path"], closed)
    return ordered


async def create_unit(officer: CurrentOfficer, code: str, name: str, level: str, parent_code: str) -> None:
    code = checked(parse_code, code, _("Unit code"))
    name = checked(parse_text, name, _("Unit name"))
    level = checked(parse_code, level, _("Level"))
    parent = await authorize_unit(officer, parent_code.strip()) if parent_code.strip() else None
    if parent is None and not officer.is_national_admin:
        raise AdminError(_("Only a national administrator can create a top-level unit"))
    async with write_transaction():
        if await Unit.exists().where(Unit.code == code):
            raise AdminError(_("Unit code %(code)s already exists", code=code))
        inserted = await Unit.insert(Unit(code=code, name=name, level=level, parent=parent and parent["id"], path=""))
        unit_id = inserted[0]["id"]
        await Unit.update({Unit.path: str(UnitPath.under(parent and parent["path"], unit_id))}).where(Unit.id == unit_id)
        await record("unit.create", officer.username, target=code, name=name, level=level, parent=parent_code or None)


async def rename_unit(officer: CurrentOfficer, code: str, name: str) -> None:
    unit = await authorize_unit(officer, code)
    name = checked(parse_text, name, _("Unit name"))
    async with write_transaction():
        await Unit.update({Unit.name: name}).where(Unit.id == unit["id"])
        await record("unit.rename", officer.username, target=code, old=unit["name"], new=name)
    forget_places()


async def set_unit_active(officer: CurrentOfficer, code: str, active: bool) -> None:
    unit = await authorize_unit(officer, code)
    async with write_transaction():
        await Unit.update({Unit.active: active}).where(Unit.id == unit["id"])
        await record("unit.activate" if active else "unit.deactivate", officer.username, target=code)
    forget_places()


LETTERHEAD_FIELDS = {"authority": ("Cơ quan chủ quản", 255), "issuer": ("Cơ quan ban hành", 255),
                     "place": ("Địa danh", 128), "code": ("Chữ viết tắt tên cơ quan", 32)}


async def unit_letterhead(officer: CurrentOfficer, code: str) -> dict:
    """The unit's own letterhead fields (empty = inherited) and the header its documents carry now."""
    from survey.reports.letterhead import letterhead_for

    unit = await authorize_unit(officer, code)
    row = await Unit.select(*(getattr(Unit, f"letterhead_{f}") for f in LETTERHEAD_FIELDS)).where(
        Unit.id == unit["id"]).first()
    return {"unit": unit, "own": {f: row[f"letterhead_{f}"] for f in LETTERHEAD_FIELDS},
            "effective": await letterhead_for(unit["code"]), "fields": LETTERHEAD_FIELDS}


async def set_letterhead(officer: CurrentOfficer, code: str, values: dict[str, str]) -> None:
    """Save the issuing body's names printed on the unit's report documents; an empty field inherits."""
    unit = await authorize_unit(officer, code)
    changes = {}
    for field, (label, length) in LETTERHEAD_FIELDS.items():
        value = " ".join((values.get(field) or "").split())
        if len(value) > length:
            raise AdminError(_("%(field)s: longer than %(length)s characters", field=label, length=length))
        changes[getattr(Unit, f"letterhead_{field}")] = value
    async with write_transaction():
        await Unit.update(changes).where(Unit.id == unit["id"])
        await record("unit.letterhead", officer.username, target=unit["code"],
                     **{f: values.get(f, "") for f in LETTERHEAD_FIELDS})
