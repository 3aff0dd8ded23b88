"""Which provinces publish their figures, and the fewest answers a unit needs before a figure is shown.

Every province is private until an administrator makes it public. The minimum may be raised above the
reports' own (30 answers), never lowered below it: a public page shows a subset of what a manager sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from stats.target import DEFAULT_MIN_N
from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.admin.errors import AdminError
from survey.audit import record
from survey.db.engine import write_transaction
from survey.db.tables import Publication, Unit

MIN_ANSWERS = DEFAULT_MIN_N
UNIT_ID = Unit._meta.primary_key
MAX_ANSWERS = 100_000


class PublicationError(AdminError):
    """A refused publication setting, in Vietnamese then English."""


@dataclass(frozen=True)
class ProvinceSetting:
    code: str
    name: str
    public: bool
    min_answers: int


def check_min_answers(value: int | str | None) -> int:
    """The minimum from a form or the command line; PublicationError names the allowed range."""
    if value is None or value == "":
        return MIN_ANSWERS
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PublicationError(f"Số phiếu tối thiểu phải là số nguyên / the minimum must be a whole number: "
                               f"{value!r}") from None
    if not MIN_ANSWERS <= number <= MAX_ANSWERS:
        raise PublicationError(f"Số phiếu tối thiểu phải từ {MIN_ANSWERS} đến {MAX_ANSWERS} / the minimum must be "
                               f"between {MIN_ANSWERS} and {MAX_ANSWERS}")
    return number


async def settings_by_unit() -> dict[int, tuple[bool, int]]:
    """(public, minimum answers) of each unit that has a setting; a unit without one is private."""
    rows = await Publication.select(Publication.unit, Publication.public, Publication.min_answers)
    return {row["unit"]: (bool(row["public"]), max(MIN_ANSWERS, int(row["min_answers"]))) for row in rows}


async def province_settings(level: str, scope_path: str = "/") -> list[ProvinceSetting]:
    """The provinces (units at the stratum level) under ``scope_path``, with their publication setting."""
    units = await Unit.select(UNIT_ID, Unit.code, Unit.name).where(
        (Unit.level == level) & Unit.path.like(scope_path + "%")).order_by(Unit.code)
    known = await settings_by_unit()
    return [ProvinceSetting(u["code"], u["name"], *known.get(u["id"], (False, MIN_ANSWERS))) for u in units]


async def set_publication(code: str, public: bool, min_answers: int, level: str, actor: str,
                          officer: CurrentOfficer | None = None) -> None:
    """Make a province public or private and set its minimum; ``officer`` (from the web) must hold it."""
    minimum = check_min_answers(min_answers)
    if officer is not None:
        unit = await authorize_unit(officer, code)
    else:
        found = await Unit.select(UNIT_ID, Unit.code, Unit.level).where(Unit.code == code).first()
        if found is None:
            raise PublicationError(f"Không có đơn vị mã {code} / no unit with code {code}")
        unit = found
    if unit["level"] != level:
        raise PublicationError(f"{code} không phải đơn vị cấp {level} / {code} is not a {level}: publication is "
                               "chosen per province")
    async with write_transaction():
        key = Publication._meta.primary_key
        existing = await Publication.select(key).where(Publication.unit == unit["id"]).first()
        values: dict = {Publication.public: public, Publication.min_answers: minimum, Publication.updated_by: actor}
        if existing:
            await Publication.update(values).where(key == existing["id"])
        else:
            await Publication.insert(Publication(unit=unit["id"], public=public, min_answers=minimum,
                                                 updated_by=actor))
        await record("publication.set", actor, target=code, public=public, min_answers=minimum)
