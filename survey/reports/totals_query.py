"""The database side of a report: the sufficient statistics of the design, read from the rollup.

The design's strata are weighting cells (unit × month) whose respondents are the sampled units, so
what every estimate and its variance need is, per cell, how many respondents share each answer
pattern (:mod:`stats.cells`); for the counter-day option, per counter-day counts. Both are kept in the
rollup (``survey.rollup``) and read from it: no report reads a response row. ``row_pattern_counts`` and
``row_counter_day_counts`` compute the same from the rows, as the reference the rollup is tested against.
The filter covers every province the scope touches, because a unit without any dossier volume borrows the
median weight of its province's cells in the same month.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from survey.core.ratings import ELEMENT_COLUMNS, OVERALL_COLUMN, RATING_COLUMNS  # noqa: F401 (query.ELEMENT_COLUMNS)
from survey.core.responses import ResponseStatus
from survey.core.units import path_ids
from survey.db.tables import CounterDayCell, DossierVolume, Response, ResponseCell, Unit

# Response columns holding the element ratings, in the instrument's element order.
VALID = str(ResponseStatus.VALID)


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
        return list(path_ids(self.path))


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
class PatternCounts:
    """Responses per (unit, month, status, answer pattern): the report's sufficient statistics.

    ``pattern`` is the base-3 code of :func:`stats.cells.pattern_indicators` over ``items`` (0 not
    answered, 1 answered and not satisfied, 2 satisfied per item); ``stratum`` is the unit's province
    (the response's stratum column), which the volume imputation needs.
    ``version`` and ``fingerprint`` are the instrument version the responses answered and the index
    definition that scored them: a report estimates only cells of definitions it may pool (see
    ``survey.reports.definitions``).
    """

    stratum: np.ndarray
    unit: np.ndarray
    month: np.ndarray  # month numbers (see periods.month_number)
    status: np.ndarray
    pattern: np.ndarray
    rows: np.ndarray
    items: tuple[str, ...]
    version: np.ndarray
    fingerprint: np.ndarray

    @property
    def size(self) -> int:
        return len(self.rows)

    def subset(self, mask: np.ndarray) -> PatternCounts:
        return PatternCounts(self.stratum[mask], self.unit[mask], self.month[mask], self.status[mask],
                             self.pattern[mask], self.rows[mask], self.items, self.version[mask], self.fingerprint[mask])

    def valid(self) -> PatternCounts:
        return self.subset(self.status == VALID)


@dataclass(frozen=True)
class CounterDayCounts:
    """Valid responses per (unit, month, counter, local day): answered and satisfied counts per item."""

    stratum: np.ndarray
    unit: np.ndarray
    month: np.ndarray
    counter: np.ndarray
    day: np.ndarray
    rows: np.ndarray
    answered: np.ndarray  # rows × items
    satisfied: np.ndarray
    items: tuple[str, ...]


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
    # EXISTS probes the rollup's (stratum, period, ...) index once per candidate unit.
    rows = await Unit.raw(
        f"SELECT u.id FROM unit u WHERE (u.path LIKE {{}} OR u.id IN ({marks})) "
        "AND EXISTS (SELECT 1 FROM response_cell r WHERE r.stratum = u.id)",
        scope.path + "%", *ancestors)
    return sorted(int(r["id"]) for r in rows)


def _in_list(values: Sequence[int]) -> str:
    return ", ".join("{}" for _ in values)


def _pattern_sql(items: Sequence[str], satisfied_values: Sequence[int]) -> tuple[str, list[object]]:
    """The answer-pattern code ``Σ state·3^position`` as SQL, and its parameters."""
    marks = _in_list(satisfied_values)
    terms, parameters = [], []
    for position, column in enumerate(items):
        terms.append(f"(CASE WHEN {column} IS NULL THEN 0 WHEN {column} IN ({marks}) THEN 2 ELSE 1 END) * {3 ** position}")
        parameters += list(satisfied_values)
    return " + ".join(terms), parameters


def _filters(strata: Sequence[int], months: Sequence[str], instrument_key: str, cutoff: datetime | None,
             fingerprints: Sequence[str] | None = None) -> tuple[str, list[object]]:
    sql = f"stratum IN ({_in_list(strata)}) AND period IN ({_in_list(months)}) AND instrument_key = {{}}"
    parameters: list[object] = [*strata, *months, instrument_key]
    if cutoff is not None:
        sql += " AND received_at < {}"
        parameters.append(cutoff)
    if fingerprints is not None:
        sql += f" AND index_fingerprint IN ({_in_list(fingerprints)})"
        parameters += list(fingerprints)
    return sql, parameters


def pattern_query(strata: Sequence[int], instrument_key: str, months: Sequence[str], items: Sequence[str],
                  satisfied_values: Sequence[int], cutoff: datetime | None = None,
                  fingerprints: Sequence[str] | None = None) -> tuple[str, list[object]]:
    """The ``GROUP BY`` of :func:`pattern_counts` with ``{}`` placeholders, and its parameters."""
    pattern, pattern_parameters = _pattern_sql(items, satisfied_values)
    where, where_parameters = _filters(strata, months, instrument_key, cutoff, fingerprints)
    sql = (f"SELECT stratum, unit, period, status, instrument_version, index_fingerprint, {pattern} AS pattern, "
           f"COUNT(*) AS n FROM response WHERE {where} "
           "GROUP BY 1, 2, 3, 4, 5, 6, 7")  # by position: the pattern is an expression
    return sql, [*pattern_parameters, *where_parameters]


def patterns_from_rows(rows: Sequence[Mapping[str, object]], items: Sequence[str]) -> PatternCounts:
    return PatternCounts(_ints(rows, "stratum"), _ints(rows, "unit"), _months(rows), _texts(rows, "status"),
                         _ints(rows, "pattern"), _ints(rows, "n").astype(float), tuple(items),
                         _ints(rows, "instrument_version"), _texts(rows, "index_fingerprint"))


async def row_pattern_counts(strata: Sequence[int], instrument_key: str, months: Sequence[str], items: Sequence[str],
                             satisfied_values: Sequence[int], cutoff: datetime | None = None,
                             fingerprints: Sequence[str] | None = None) -> PatternCounts:
    """:func:`pattern_counts` computed from the response rows: the reference the rollup is tested against.

    Status is grouped rather than filtered so that the same scan also counts flagged and excluded
    responses. Months are listed, not given as a range: with equalities on month and stratum the
    (period, stratum, counter) index reads exactly the rows asked for. ``fingerprints`` keeps only responses
    scored by those index definitions.
    """
    rows: list[dict] = []
    if strata and months and (fingerprints is None or fingerprints):
        sql, parameters = pattern_query(strata, instrument_key, months, items, satisfied_values, cutoff, fingerprints)
        rows = await Response.raw(sql, *parameters)
    return patterns_from_rows(rows, items)


def _day_sql(engine: str, timezone_name: str, moment: datetime) -> tuple[str, list[object]]:
    """The local calendar day of ``received_at``. PostgreSQL converts with the zone's rules; SQLite, which
    has no zone database, adds the zone's UTC offset at the start of the period (fixed for Vietnam)."""
    if engine == "postgres":
        return "CAST((received_at AT TIME ZONE {}) AS DATE)", [timezone_name]
    offset = ZoneInfo(timezone_name).utcoffset(moment) or timedelta(0)
    return "date(received_at, {})", [f"{int(offset.total_seconds() // 60):+d} minutes"]


def counter_day_query(engine: str, strata: Sequence[int], instrument_key: str, months: Sequence[str],
                      items: Sequence[str], satisfied_values: Sequence[int], timezone_name: str,
                      cutoff: datetime | None = None,
                      fingerprints: Sequence[str] | None = None) -> tuple[str, list[object]]:
    """The ``GROUP BY`` of :func:`counter_day_counts` (``engine`` "sqlite" or "postgres") and its parameters."""
    marks = _in_list(satisfied_values)
    aggregates, parameters = [], []
    for position, column in enumerate(items):
        aggregates.append(f"COUNT({column}) AS a{position}, "
                          f"SUM(CASE WHEN {column} IN ({marks}) THEN 1 ELSE 0 END) AS s{position}")
        parameters += list(satisfied_values)
    first = datetime.fromisoformat(f"{min(months)}-01").replace(tzinfo=ZoneInfo(timezone_name))
    day, day_parameters = _day_sql(engine, timezone_name, first)
    where, where_parameters = _filters(strata, months, instrument_key, cutoff, fingerprints)
    sql = (f"SELECT stratum, unit, period, counter, {day} AS day, COUNT(*) AS n, {', '.join(aggregates)} "
           f"FROM response WHERE {where} AND status = {{}} GROUP BY 1, 2, 3, 4, 5")
    return sql, [*day_parameters, *parameters, *where_parameters, VALID]


def counter_days_from_rows(rows: Sequence[Mapping[str, object]], items: Sequence[str]) -> CounterDayCounts:
    k = len(items)

    def matrix(prefix: str) -> np.ndarray:
        return np.array([[r[f"{prefix}{j}"] or 0 for j in range(k)] for r in rows], dtype=float).reshape(len(rows), k)

    return CounterDayCounts(_ints(rows, "stratum"), _ints(rows, "unit"), _months(rows), _ints(rows, "counter"),
                            np.array([str(r["day"]) for r in rows], dtype=object), _ints(rows, "n").astype(float),
                            matrix("a"), matrix("s"), tuple(items))


async def row_counter_day_counts(strata: Sequence[int], instrument_key: str, months: Sequence[str],
                                 items: Sequence[str], satisfied_values: Sequence[int], timezone_name: str,
                                 cutoff: datetime | None = None,
                                 fingerprints: Sequence[str] | None = None) -> CounterDayCounts:
    """:func:`counter_day_counts` computed from the response rows: the reference the rollup is tested against."""
    from piccolo.engine.postgres import PostgresEngine

    from survey.db.engine import current_engine

    rows: list[dict] = []
    if strata and months and (fingerprints is None or fingerprints):
        engine = "postgres" if isinstance(current_engine(), PostgresEngine) else "sqlite"
        sql, parameters = counter_day_query(engine, strata, instrument_key, months, items, satisfied_values,
                                            timezone_name, cutoff, fingerprints)
        rows = await Response.raw(sql, *parameters)
    return counter_days_from_rows(rows, items)


def _rollup_filters(strata: Sequence[int], months: Sequence[str], instrument_key: str, cutoff: datetime | None,
                    fingerprints: Sequence[str] | None) -> tuple[str, list[object]]:
    """The filter of a rollup read. A cut-off is the first moment of a local day: rows of earlier days, and
    the month rows (``day = ''``) of closed months, which sort before every day, are the answers before it."""
    sql = f"stratum IN ({_in_list(strata)}) AND period IN ({_in_list(months)}) AND instrument_key = {{}}"
    parameters: list[object] = [*strata, *months, instrument_key]
    if cutoff is not None:
        if cutoff.timetz().replace(tzinfo=None) != datetime.min.time():
            raise ValueError(f"a report's cut-off is the start of a local day, not {cutoff.isoformat()}")
        sql += " AND day < {}"
        parameters.append(cutoff.date().isoformat())
    if fingerprints is not None:
        sql += f" AND index_fingerprint IN ({_in_list(fingerprints)})"
        parameters += list(fingerprints)
    return sql, parameters


def _digits(items: Sequence[str]) -> str:
    """The report's pattern over ``items`` from the stored pattern over every rating column."""
    return " + ".join(f"((pattern / {3 ** RATING_COLUMNS.index(c)}) % 3) * {3 ** j}" for j, c in enumerate(items))


async def pattern_counts(strata: Sequence[int], instrument_key: str, months: Sequence[str], items: Sequence[str],
                         satisfied_values: Sequence[int], cutoff: datetime | None = None,
                         fingerprints: Sequence[str] | None = None) -> PatternCounts:
    """Counts per (stratum, unit, month, status, answer pattern) of responses received before ``cutoff``,
    read from the rollup (``response_cell``), never from the responses.

    Status is grouped rather than filtered so that the same read also counts flagged and excluded
    responses. ``fingerprints`` keeps only responses scored by those index definitions. The stored patterns
    use each response's own definition's satisfied values; a report pools only definitions with the same
    ones, so ``satisfied_values`` must be those (it is kept for the signature of :func:`row_pattern_counts`).
    """
    if not (strata and months and (fingerprints is None or fingerprints)):
        return patterns_from_rows([], items)
    where, parameters = _rollup_filters(strata, months, instrument_key, cutoff, fingerprints)
    counts = await _integer_patterns(where, parameters, items)
    if counts is not None:
        return counts
    # A status or a fingerprint this release does not know: read them as text.
    rows = await ResponseCell.raw(
        f"SELECT stratum, unit, period, status, instrument_version, index_fingerprint, {_digits(items)} AS pattern, "
        f"SUM(n) AS n FROM response_cell WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING SUM(n) <> 0", *parameters)
    return patterns_from_rows(rows, items)


STATUSES = tuple(str(status) for status in ResponseStatus)
MONTH_NUMBER_SQL = "CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1"


def _codes(column: str, names: Sequence[str]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN {{}} THEN {code}" for code in range(len(names))) + " ELSE -1 END"


# PostgreSQL's binary COPY of ``width`` non-null bigints per row: a field count, then length and value of each.
_COPY_HEADER = 19  # signature, flags, header extension length


def _copy_row(width: int) -> np.dtype:
    return np.dtype([("fields", ">i2"), *[item for j in range(width) for item in ((f"l{j}", ">i4"), (f"v{j}", ">i8"))]])


async def _postgres_integers(engine: object, sql: str, parameters: list[object], width: int) -> np.ndarray:
    """An all-integer result as an int64 matrix, read by ``COPY ... TO STDOUT (FORMAT binary)``: asyncpg
    would otherwise build a Python record per row, which for the two million rows of a national report took
    longer than the query."""
    import io

    numbers = iter(range(1, len(parameters) + 1))
    query = sql.format(*[f"${next(numbers)}" for _ in parameters])
    columns = ", ".join(f"CAST(c{j} AS BIGINT)" for j in range(width))
    buffer = io.BytesIO()
    connection = await engine.get_new_connection()  # type: ignore[attr-defined]
    try:
        await connection.copy_from_query(
            f"SELECT {columns} FROM ({query}) AS q(" + ", ".join(f"c{j}" for j in range(width)) + ")",
            *parameters, output=buffer, format="binary")
    finally:
        await connection.close()
    data = buffer.getbuffer()[_COPY_HEADER:-2]  # the trailer is a field count of -1
    rows = np.frombuffer(data, dtype=_copy_row(width))
    return np.column_stack([rows[f"v{j}"] for j in range(width)]).astype(np.int64) if len(rows) else \
        np.zeros((0, width), dtype=np.int64)


def _summed_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows with equal keys (every column but the last) summed into one; rows summing to 0 left out."""
    if len(matrix) == 0:
        return matrix
    keys = matrix[:, :-1]
    order = np.lexsort(keys.T[::-1])
    keys, counts = keys[order], matrix[order, -1]
    starts = np.concatenate(([True], (keys[1:] != keys[:-1]).any(axis=1)))
    sums = np.add.reduceat(counts, np.flatnonzero(starts))
    result = np.column_stack([keys[starts], sums])
    return result[sums != 0]


async def _integer_patterns(where: str, parameters: list[object], items: Sequence[str]) -> PatternCounts | None:
    """The counts as integers straight from the driver (statuses and fingerprints coded by position), so
    the million rows of a national report become arrays without a Python object per row; None when a
    status or a fingerprint is not among those this release knows."""
    from survey.exports.source import Reader
    from survey.rollup.cells import satisfied_by_fingerprint

    known = sorted(satisfied_by_fingerprint())
    # Summed here rather than by a GROUP BY: the rows are nearly the groups already (one per month once a
    # month is compacted), and the database's sort of a million rows cost more than numpy's.
    sql = (f"SELECT stratum, unit, {MONTH_NUMBER_SQL}, {_codes('status', STATUSES)}, instrument_version, "
           f"{_codes('index_fingerprint', known)}, {_digits(items)}, n FROM response_cell WHERE {where} AND n <> 0")
    from piccolo.engine.postgres import PostgresEngine

    from survey.db.engine import current_engine

    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        matrix = await _postgres_integers(engine, sql, [*STATUSES, *known, *parameters], width=8)
    else:
        async with Reader() as reader:
            parts = [m async for m in reader.matrices(sql, *STATUSES, *known, *parameters, size=500_000, rows=0,
                                                      width=8)]
        matrix = np.concatenate(parts) if parts else np.zeros((0, 8), dtype=np.int64)
    if (matrix[:, 3] < 0).any() or (matrix[:, 5] < 0).any():
        return None
    matrix = _summed_rows(matrix)
    return PatternCounts(matrix[:, 0], matrix[:, 1], matrix[:, 2], np.array(STATUSES, dtype=object)[matrix[:, 3]],
                         matrix[:, 6], matrix[:, 7].astype(float), tuple(items), matrix[:, 4],
                         np.array(known, dtype=object)[matrix[:, 5]])


async def counter_day_counts(strata: Sequence[int], instrument_key: str, months: Sequence[str], items: Sequence[str],
                             satisfied_values: Sequence[int], timezone_name: str,
                             cutoff: datetime | None = None,
                             fingerprints: Sequence[str] | None = None) -> CounterDayCounts:
    """Valid responses per (unit, month, counter, local day), for the counter-day design, from the rollup
    (``counter_day_cell``). The days are those of the zone the rollup was kept in (the configured one)."""
    rows: list[dict] = []
    if strata and months and (fingerprints is None or fingerprints):
        where, parameters = _rollup_filters(strata, months, instrument_key, cutoff, fingerprints)
        sums = ", ".join(f"SUM(a{RATING_COLUMNS.index(c)}) AS a{j}, SUM(s{RATING_COLUMNS.index(c)}) AS s{j}"
                         for j, c in enumerate(items))
        rows = await CounterDayCell.raw(
            f"SELECT stratum, unit, period, counter, day, SUM(n) AS n, {sums} FROM counter_day_cell "
            f"WHERE {where} AND status = {{}} GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0", *parameters, VALID)
    return counter_days_from_rows(rows, items)


def _ints(rows: Sequence[Mapping[str, object]], name: str) -> np.ndarray:
    return np.fromiter((r[name] for r in rows), dtype=np.int64, count=len(rows))


def _texts(rows: Sequence[Mapping[str, object]], name: str) -> np.ndarray:
    return np.array([r[name] for r in rows], dtype=object)


def _months(rows: Sequence[Mapping[str, object]]) -> np.ndarray:
    from survey.core.periods import month_number

    return np.array([month_number(r["period"]) for r in rows], dtype=np.int64)


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
