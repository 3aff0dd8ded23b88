"""The database side of a report: one ``GROUP BY`` returning counts per design cell.

A cell is (stratum, counter, unit, month). Post-stratification weights are constant within a
(unit, month), so the weighted sums the estimators need are the weight times these counts; the
database never returns a response row. The filter covers whole strata (every province the scope
touches), because a domain must be estimated within the full design of its strata: dropping a
province's other counters would change the variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from survey.db.tables import DossierVolume, Response, Unit

# Response columns holding the element ratings, in the instrument's element order.
ELEMENT_COLUMNS = ("e1", "e2", "e3", "e4", "e5")
OVERALL_COLUMN = "overall"
VALID = "valid"


class UnknownUnit(ValueError):
    """The scope names a unit that does not exist."""


@dataclass(frozen=True)
class ScopeUnit:
    id: int
    code: str
    name: str
    level: str
    path: str

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


@dataclass(frozen=True)
class UnitInfo:
    """Units under the scope, by id: code, name, level and path (for mapping centres to sub-units)."""

    ids: np.ndarray
    codes: list[str]
    names: list[str]
    levels: list[str]
    paths: list[str]
    parents: list[int | None]


@dataclass(frozen=True)
class CellCounts:
    """Per cell: its keys and counts of responses, of answers and of satisfied answers per item.

    ``status`` is the responses' status in the cell and ``last_received`` when its latest one arrived
    (as the database returns it); only valid cells enter the estimates.
    """

    stratum: np.ndarray
    counter: np.ndarray
    unit: np.ndarray
    month: np.ndarray  # month numbers (see periods.month_number)
    status: np.ndarray
    rows: np.ndarray
    answered: dict[str, np.ndarray]
    satisfied: dict[str, np.ndarray]
    last_received: np.ndarray

    @property
    def size(self) -> int:
        return len(self.rows)

    def subset(self, mask: np.ndarray) -> CellCounts:
        return CellCounts(self.stratum[mask], self.counter[mask], self.unit[mask], self.month[mask], self.status[mask],
                          self.rows[mask], {k: v[mask] for k, v in self.answered.items()},
                          {k: v[mask] for k, v in self.satisfied.items()}, self.last_received[mask])

    def valid(self) -> CellCounts:
        return self.subset(self.status == VALID)


async def scope_unit(code: str) -> ScopeUnit:
    row = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.path).where(Unit.code == code).first()
    if row is None:
        raise UnknownUnit(f"unknown unit {code!r}")
    return ScopeUnit(row["id"], row["code"], row["name"], row["level"], row["path"])


async def units_under(scope: ScopeUnit) -> UnitInfo:
    rows = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.path, Unit.parent).where(
        Unit.path.like(scope.path + "%"))
    return UnitInfo(np.array([r["id"] for r in rows], dtype=np.int64), [r["code"] for r in rows],
                    [r["name"] for r in rows], [r["level"] for r in rows], [r["path"] for r in rows],
                    [r["parent"] for r in rows])


async def strata_of(scope: ScopeUnit) -> list[int]:
    """Strata the scope touches: those under it, or the one above it (a commune's province)."""
    ancestors = scope.ancestor_ids
    marks = ", ".join("{}" for _ in ancestors)
    # EXISTS probes the stratum index once per candidate unit instead of scanning the responses.
    rows = await Unit.raw(
        f"SELECT u.id FROM unit u WHERE (u.path LIKE {{}} OR u.id IN ({marks})) "
        "AND EXISTS (SELECT 1 FROM response r WHERE r.stratum = u.id)",
        scope.path + "%", *ancestors)
    return sorted(int(r["id"]) for r in rows)


def _in_list(values: Sequence[int]) -> str:
    return ", ".join("{}" for _ in values)


async def cell_counts(strata: Sequence[int], instrument_key: str, months: Sequence[str],
                      items: Sequence[str], satisfied_values: Sequence[int]) -> CellCounts:
    """Counts per (stratum, counter, unit, month, status) of responses in ``strata`` and ``months``.

    Status is grouped rather than filtered so that the same scan also counts flagged and excluded
    responses for the report. Months are listed, not given as a range: with equalities on month and
    stratum the (period, stratum, counter) index reads exactly the rows asked for, where a range on
    period makes SQLite walk every response of those months to find one province's.
    """
    from survey.reports.periods import month_number

    satisfied_marks = _in_list(satisfied_values)
    aggregates = []
    parameters: list[object] = []
    for position, column in enumerate(items):
        aggregates.append(f"COUNT({column}) AS a{position}, "
                          f"SUM(CASE WHEN {column} IN ({satisfied_marks}) THEN 1 ELSE 0 END) AS s{position}")
        parameters += list(satisfied_values)
    rows = []
    if strata and months:
        sql = (f"SELECT stratum, counter, unit, period, status, COUNT(*) AS n, MAX(received_at) AS last, "
               f"{', '.join(aggregates)} FROM response WHERE stratum IN ({_in_list(strata)}) "
               f"AND period IN ({_in_list(months)}) AND instrument_key = {{}} "
               "GROUP BY stratum, counter, unit, period, status")
        rows = await Response.raw(sql, *parameters, *strata, *months, instrument_key)

    def column(name: str, dtype: type = np.int64) -> np.ndarray:
        return np.fromiter((r[name] for r in rows), dtype=dtype, count=len(rows))

    def text(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=object)

    months = np.array([month_number(r["period"]) for r in rows], dtype=np.int64)
    return CellCounts(column("stratum"), column("counter"), column("unit"), months, text("status"),
                      column("n", float), {item: column(f"a{k}", float) for k, item in enumerate(items)},
                      {item: column(f"s{k}", float) for k, item in enumerate(items)}, text("last"))


async def dossier_volumes(first_month: str, last_month: str, unit_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    """Known dossier volumes per (unit, month) for the units with responses."""
    if not len(unit_ids):
        return {}
    rows = await DossierVolume.select(DossierVolume.unit, DossierVolume.period, DossierVolume.dossiers).where(
        (DossierVolume.period >= first_month) & (DossierVolume.period <= last_month)
        & DossierVolume.unit.is_in([int(u) for u in unit_ids]))
    return {(r["unit"], r["period"]): r["dossiers"] for r in rows}


@dataclass(frozen=True)
class PortalCounts:
    dossiers: int
    not_satisfied: int
    unit_months: int


async def portal_counts(scope: ScopeUnit, first_month: str, last_month: str) -> PortalCounts:
    """Dossiers, and those rated "not satisfied" or complained about on the public service portal, summed
    over the unit-months of the scope's service points (units with counters) where the portal count is known."""
    rows = await DossierVolume.raw(
        "SELECT COALESCE(SUM(v.dossiers), 0) AS dossiers, COALESCE(SUM(v.portal_not_satisfied), 0) AS not_satisfied, "
        "COUNT(*) AS unit_months FROM dossier_volume v JOIN unit u ON u.id = v.unit "
        "WHERE v.period >= {} AND v.period <= {} AND v.portal_not_satisfied IS NOT NULL AND u.path LIKE {} "
        "AND EXISTS (SELECT 1 FROM counter c WHERE c.unit = u.id)",
        first_month, last_month, scope.path + "%")
    row = rows[0]
    return PortalCounts(int(row["dossiers"]), int(row["not_satisfied"]), int(row["unit_months"]))


def as_datetime(value: object) -> datetime:
    """A timestamp as the database returned it: text from SQLite, a datetime from PostgreSQL."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def latest_month(strata: Sequence[int], instrument_key: str) -> str | None:
    """The last month with a valid response in these strata (the dashboard's default period)."""
    if not strata:
        return None
    rows = await Response.raw(
        f"SELECT MAX(period) AS last FROM response WHERE stratum IN ({_in_list(strata)}) "
        "AND instrument_key = {} AND status = 'valid'", *strata, instrument_key)
    return rows[0]["last"] if rows else None
