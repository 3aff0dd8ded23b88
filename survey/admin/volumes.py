"""Dossier volumes (số hồ sơ) uploaded as CSV through the shared importer, and the latest ones stored."""

from __future__ import annotations

from survey.csvimport import MAX_BYTES, ImportRejected, RowError
from survey.db.tables import DossierVolume
from survey.units.services import ImportSummary, import_volumes

SHOWN = 100


async def recent_volumes() -> list[dict]:
    return await (
        DossierVolume.select(DossierVolume.period, DossierVolume.dossiers, DossierVolume.unit.code.as_alias("unit_code"))
        .order_by(DossierVolume.period, ascending=False)
        .order_by(DossierVolume.unit.code)
        .limit(SHOWN)
    )


async def upload_volumes(data: bytes, actor: str) -> tuple[ImportSummary | None, list[RowError]]:
    """Import the file whole, or return every row-numbered problem and import nothing."""
    if not data.strip():
        return None, [RowError(0, "", "chưa chọn tệp hoặc tệp rỗng / no file or an empty file")]
    if len(data) > MAX_BYTES:
        return None, [RowError(0, "", f"tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB / file too large")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [RowError(0, "", f"tệp không phải UTF-8 ({exc.reason} tại byte {exc.start})")]
    try:
        return await import_volumes(text, actor), []
    except ImportRejected as exc:
        return None, exc.errors
