"""The issuing body at the head of a report document (Nghị định 30/2020/NĐ-CP, Phụ lục I): the governing
authority ("UBND TỈNH NINH BÌNH"), the issuer ("SỞ NỘI VỤ"), the place in the date line ("Ninh Bình") and
the issuer's abbreviation in the document number ("Số: …/BC-SNV").

An administrator sets them per unit; a unit without its own settings takes the nearest unit above that has
them, and failing that names derived from its province, so a document never goes out with an empty header.
The names are data, not code: provinces merge and rename.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.citizen.targets import DEFAULT_STRATUM_LEVEL
from survey.core.units import path_ids
from survey.db.tables import Unit

PROVINCE_PREFIXES = ("Tỉnh ", "Thành phố ", "TP. ", "TP ")
FIELDS = ("authority", "issuer", "place", "code")


@dataclass(frozen=True)
class Letterhead:
    authority: str
    issuer: str
    place: str
    code: str

    @property
    def number_line(self) -> str:
        """"Số: …/BC-SNV", the number left blank for the office's register (văn thư) to fill in."""
        return f"Số: ……/BC-{self.code}" if self.code else "Số: ……/BC"


NATIONAL = Letterhead("", "BỘ NỘI VỤ", "Hà Nội", "BNV")


def _place(name: str) -> str:
    for prefix in PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def derived(rows: list[dict]) -> Letterhead:
    """The header a provincial Home Affairs department would use, from the units' names (root first)."""
    province = next((r for r in rows if r["level"] == DEFAULT_STRATUM_LEVEL), None)
    if province is None:
        return NATIONAL
    place = _place(province["name"])
    kind = "THÀNH PHỐ" if province["name"].startswith(("Thành phố", "TP")) else "TỈNH"
    return Letterhead(f"UBND {kind} {place.upper()}", "SỞ NỘI VỤ", place, "SNV")


def resolve(rows: list[dict]) -> Letterhead:
    """Each field from the nearest unit (``rows`` root first) that sets it, else from :func:`derived`."""
    fallback = derived(rows)
    values = {}
    for field in FIELDS:
        chosen = next((r[f"letterhead_{field}"] for r in reversed(rows) if r[f"letterhead_{field}"].strip()), "")
        values[field] = chosen.strip() or getattr(fallback, field)
    return Letterhead(**values)


async def letterhead_for(code: str) -> Letterhead:
    """The letterhead of unit ``code`` (which the caller has already authorised)."""
    unit = await Unit.select(Unit.path).where(Unit.code == code).first()
    if unit is None:
        return NATIONAL
    ids = list(path_ids(unit["path"]))
    rows = await Unit.select(Unit.id, Unit.name, Unit.level, Unit.letterhead_authority, Unit.letterhead_issuer,
                             Unit.letterhead_place, Unit.letterhead_code).where(Unit.id.is_in(ids))
    order = {unit_id: i for i, unit_id in enumerate(ids)}
    return resolve(sorted(rows, key=lambda r: order[r["id"]]))
