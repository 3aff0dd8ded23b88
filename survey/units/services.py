"""The administrative reference data: units, counters, procedures and dossier volumes, and their imports."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.table import Table

from survey.audit import record
from survey.core.i18n import gettext as _
from survey.core.units import UnitPath
from survey.csvimport import (
    Column,
    ImportRejected,
    RowError,
    parse_code,
    parse_count,
    parse_period,
    parse_rows,
    parse_text,
)
from survey.db.engine import write_transaction
from survey.db.tables import Counter, DossierVolume, Procedure, Unit

UNIT_COLUMNS = (
    Column("code", parse=parse_code),
    Column("name", parse=parse_text),
    Column("level", parse=parse_code),
    Column("parent_code", required=False, parse=parse_code),
)
COUNTER_COLUMNS = (
    Column("code", parse=parse_code),
    Column("name", parse=parse_text),
    Column("unit_code", parse=parse_code),
    Column("instrument_key", required=False, parse=parse_code),
)
PROCEDURE_COLUMNS = (
    Column("code", parse=parse_code),
    Column("name"),
    Column("field", required=False, parse=parse_text),
)
VOLUME_COLUMNS = (
    Column("unit_code", parse=parse_code),
    Column("period", parse=parse_period),
    Column("dossiers", parse=parse_count),
    # Decision 766/QĐ-TTg: dossiers rated "not satisfied" or complained about on the public service portal.
    Column("portal_not_satisfied", required=False, parse=parse_count),
)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int

    def __str__(self) -> str:
        return _("%(created)s created, %(updated)s updated", created=self.created, updated=self.updated)


def _no_duplicates(rows: list[tuple[int, dict]], key: tuple[str, ...]) -> None:
    seen: dict[tuple, int] = {}
    errors = []
    for number, values in rows:
        k = tuple(values[name] for name in key)
        if k in seen:
            errors.append(RowError(number, ",".join(key), _("%(key)s already given on row %(row)s", key="/".join(map(str, k)), row=seen[k])))
        seen.setdefault(k, number)
    if errors:
        raise ImportRejected(errors)


async def units_by_code(codes: set[str]) -> dict[str, dict]:
    if not codes:
        return {}
    rows = await Unit.select(Unit.id, Unit.code, Unit.path, Unit.parent).where(Unit.code.is_in(list(codes)))
    return {row["code"]: row for row in rows}


async def import_units(text: str, actor: str = "system") -> ImportSummary:
    """Create or rename units; a parent is named by code, in the database or on an earlier row."""
    rows = list(parse_rows(text, UNIT_COLUMNS))
    _no_duplicates(rows, ("code",))
    async with write_transaction():
        existing = await units_by_code({v["code"] for _number, v in rows} | {v["parent_code"] for _number, v in rows if v["parent_code"]})
        file_row = {v["code"]: n for n, v in rows}
        errors = []
        for number, values in rows:
            parent = values["parent_code"]
            if parent == values["code"]:
                errors.append(RowError(number, "parent_code", _("a unit cannot be its own parent")))
            elif parent and parent not in existing and file_row.get(parent, number + 1) > number:
                errors.append(RowError(number, "parent_code", _("unknown unit %(code)r (define parents before children)", code=parent)))
            current = existing.get(values["code"])
            if current and parent and (current["parent"] is None or current["parent"] != existing.get(parent, {}).get("id")):
                errors.append(RowError(number, "parent_code", _("moving an existing unit to another parent is not supported by import")))
        if errors:
            raise ImportRejected(errors)
        created = updated = 0
        for _number, values in rows:
            current = existing.get(values["code"])
            if current:
                await Unit.update({Unit.name: values["name"], Unit.level: values["level"]}).where(Unit.id == current["id"])
                updated += 1
                continue
            parent = existing.get(values["parent_code"]) if values["parent_code"] else None
            inserted = await Unit.insert(
                Unit(code=values["code"], name=values["name"], level=values["level"],
                     parent=parent["id"] if parent else None, path="")
            )
            unit_id = inserted[0]["id"]
            path = str(UnitPath.under(parent and parent["path"], unit_id))
            await Unit.update({Unit.path: path}).where(Unit.id == unit_id)
            existing[values["code"]] = {"id": unit_id, "code": values["code"], "path": path, "parent": parent and parent["id"]}
            created += 1
        summary = ImportSummary(created, updated)
        await record("units.import", actor, summary=str(summary))
    return summary


async def _upsert_by_code(table: type[Table], records: list[dict[str, object]]) -> ImportSummary:
    """Insert records whose code is new, update the others; inside the caller's transaction."""
    codes = [row["code"] for row in records]
    current = {r["code"]: r["id"] for r in await table.select(table.id, table.code).where(table.code.is_in(codes))}
    for row in records:
        if row["code"] in current:
            await table.update(row).where(table.id == current[row["code"]])
        else:
            await table.insert(table(**row))
    updated = sum(code in current for code in codes)
    return ImportSummary(len(records) - updated, updated)


async def import_counters(text: str, actor: str = "system") -> ImportSummary:
    rows = list(parse_rows(text, COUNTER_COLUMNS))
    _no_duplicates(rows, ("code",))
    async with write_transaction():
        units = await units_by_code({v["unit_code"] for _number, v in rows})
        errors = [RowError(n, "unit_code", _("unknown unit %(code)r", code=v["unit_code"])) for n, v in rows if v["unit_code"] not in units]
        if errors:
            raise ImportRejected(errors)
        summary = await _upsert_by_code(Counter, [
            {"code": v["code"], "name": v["name"], "unit": units[v["unit_code"]]["id"],
             "instrument_key": v["instrument_key"] or "sipas_qr"}
            for _number, v in rows
        ])
        await record("counters.import", actor, summary=str(summary))
    return summary


async def import_procedures(text: str, actor: str = "system") -> ImportSummary:
    rows = list(parse_rows(text, PROCEDURE_COLUMNS))
    _no_duplicates(rows, ("code",))
    async with write_transaction():
        summary = await _upsert_by_code(
            Procedure, [{"code": v["code"], "name": v["name"], "field": v["field"] or ""} for _number, v in rows]
        )
        await record("procedures.import", actor, summary=str(summary))
    return summary


async def import_volumes(text: str, actor: str = "system") -> ImportSummary:
    """Set the number of dossiers per unit and month, and optionally how many were rated "not satisfied" or
    complained about on the public service portal; a later import for the same pair replaces both."""
    rows = list(parse_rows(text, VOLUME_COLUMNS))
    _no_duplicates(rows, ("unit_code", "period"))
    async with write_transaction():
        units = await units_by_code({v["unit_code"] for _number, v in rows})
        errors = [RowError(n, "unit_code", _("unknown unit %(code)r", code=v["unit_code"])) for n, v in rows if v["unit_code"] not in units]
        errors += [RowError(n, "portal_not_satisfied", _("%(count)s is more than the %(dossiers)s dossiers", count=v["portal_not_satisfied"], dossiers=v["dossiers"]))
                   for n, v in rows if (v["portal_not_satisfied"] or 0) > v["dossiers"]]
        if errors:
            raise ImportRejected(errors)
        created = updated = 0
        for _n, v in rows:
            unit_id = units[v["unit_code"]]["id"]
            match = (DossierVolume.unit == unit_id) & (DossierVolume.period == v["period"])
            counts = {"dossiers": v["dossiers"], "portal_not_satisfied": v["portal_not_satisfied"]}
            if await DossierVolume.exists().where(match):
                await DossierVolume.update(counts).where(match)
                updated += 1
            else:
                await DossierVolume.insert(DossierVolume(unit=unit_id, period=v["period"], **counts))
                created += 1
        summary = ImportSummary(created, updated)
        await record("volumes.import", actor, summary=str(summary))
    return summary
