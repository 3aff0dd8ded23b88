"""Dossier volumes (số hồ sơ) uploaded as CSV through the shared importer, and the latest ones stored."""

from __future__ import annotations

from survey.accounts.guards import CurrentOfficer
from survey.core.i18n import gettext as _
from survey.csvimport import MAX_BYTES, ImportRejected, RowError, parse_rows
from survey.db.tables import DossierVolume
from survey.units.services import VOLUME_COLUMNS, ImportSummary, import_volumes, units_by_code

SHOWN = 100


async def recent_volumes(officer: CurrentOfficer) -> list[dict]:
    """The latest volumes of units in the officer's subtree (a unit's volumes are its workload: not for others)."""
    return await (
        DossierVolume.select(DossierVolume.period, DossierVolume.dossiers, DossierVolume.portal_not_satisfied,
                             DossierVolume.unit.code.as_alias("unit_code"))
        .where(DossierVolume.unit.path.like(officer.unit_path + "%"))
        .order_by(DossierVolume.period, ascending=False)
        .order_by(DossierVolume.unit.code)
        .limit(SHOWN)
    )


async def out_of_scope_rows(text: str, officer: CurrentOfficer) -> list[RowError]:
    """Rows naming a unit outside the officer's scope; unknown units are left to the importer to report."""
    rows = list(parse_rows(text, VOLUME_COLUMNS))
    units = await units_by_code({values["unit_code"] for _number, values in rows})
    return [
        RowError(number, "unit_code", _("unit %(code)r is outside your scope", code=values["unit_code"]))
        for number, values in rows
        if values["unit_code"] in units and not officer.sees(units[values["unit_code"]]["path"])
    ]


async def upload_volumes(data: bytes, officer: CurrentOfficer) -> tuple[ImportSummary | None, list[RowError]]:
    """Import the file whole, or return every row-numbered problem and import nothing."""
    if not data.strip():
        return None, [RowError(0, "", _("no file chosen, or the file is empty"))]
    if len(data) > MAX_BYTES:
        return None, [RowError(0, "", _("the file is larger than %(size)s MB", size=MAX_BYTES // (1024 * 1024)))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [RowError(0, "", _("the file is not UTF-8 text (%(reason)s at byte %(byte)s)", reason=exc.reason, byte=exc.start))]
    try:
        if refused := await out_of_scope_rows(text, officer):
            return None, refused
        return await import_volumes(text, officer.username), []
    except ImportRejected as exc:
        return None, exc.errors
