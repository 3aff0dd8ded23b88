"""Keeping the rollup in step outside the citizen writer: status changes, bulk loads, rebuild, check, compaction.

The writer (``survey.citizen.submissions``) adds its batch's :class:`~survey.rollup.cells.Delta` to its own
statements; everything else calls these functions inside its write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from survey.core.periods import month_number
from survey.db.engine import current_engine, write_transaction
from survey.db.tables import ResponseCell
from survey.rollup.cells import COUNTER_KEY, COUNTER_SUMS, MONTH, PATTERN_KEY, SOURCE_COLUMNS, Delta, first_daily_month
from survey.rollup.rows import counter_day_select, pattern_select
from survey.rollup.statements import apply


def engine_name() -> str:
    from piccolo.engine.postgres import PostgresEngine

    return "postgres" if isinstance(current_engine(), PostgresEngine) else "sqlite"


async def _raw(sql: str, *parameters: object) -> list[dict]:
    return await ResponseCell.raw(sql, *parameters)


async def add_rows(rows: Iterable[Mapping[str, Any]], tz: str) -> None:
    """Count newly stored responses (each with :data:`SOURCE_COLUMNS`), in the caller's transaction."""
    await apply(Delta(tz, datetime.now(UTC)).add_all(rows))


async def source_rows(response_ids: Sequence[int]) -> list[dict]:
    if not response_ids:
        return []
    marks = ", ".join("{}" for _ in response_ids)
    return await _raw(f"SELECT {', '.join(SOURCE_COLUMNS)} FROM response WHERE id IN ({marks})", *response_ids)


async def status_changed(response_ids: Sequence[int], previous: str, tz: str) -> None:
    """Move responses whose status just changed from ``previous`` (already updated), in the caller's transaction."""
    rows = await source_rows(response_ids)
    delta = Delta(tz, datetime.now(UTC))
    delta.add_all(({**row, "status": previous} for row in rows), -1)
    await apply(delta.add_all(rows))


def _since(since: str | None) -> str:
    """The months a rebuild or check covers: all, or ``since`` (YYYY-MM) and later (archived years keep their
    sums in the rollup after their rows are gone)."""
    if since is None:
        return "1 = 1"
    month_number(since)  # raises PeriodError on a malformed month
    return f"period >= '{since}'"


async def rebuild(tz: str, now: datetime | None = None, since: str | None = None) -> int:
    """Recompute the rollup (of the months from ``since``, or all) from the response rows in one transaction;
    returns the pattern rows."""
    async with write_transaction():
        for statement in rebuild_statements(engine_name(), tz, now or datetime.now(UTC), since):
            await _raw(statement)
        rows = await _raw("SELECT COUNT(*) AS n FROM response_cell")
    return int(rows[0]["n"])


def rebuild_statements(engine: str, tz: str, now: datetime, since: str | None = None) -> list[str]:
    """The statements of :func:`rebuild`, to run in one transaction."""
    months = _since(since)
    return [
        f"DELETE FROM response_cell WHERE {months}",
        f"DELETE FROM counter_day_cell WHERE {months}",
        f"INSERT INTO response_cell ({', '.join(PATTERN_KEY)}, n) "
        + pattern_select(engine, tz, now, first_daily_month(now, tz), months),
        f"INSERT INTO counter_day_cell ({', '.join(COUNTER_KEY)}, {', '.join(COUNTER_SUMS)}) "
        + counter_day_select(engine, tz, now, months),
        # Every cached report is stale: raise every version, and start one for cells new to the table.
        "UPDATE cell_version SET version = version + 1",
        "INSERT INTO cell_version (stratum, period, version) SELECT DISTINCT stratum, period, 1 "
        "FROM response_cell c WHERE NOT EXISTS (SELECT 1 FROM cell_version v "
        "WHERE v.stratum = c.stratum AND v.period = c.period)",
    ]


async def compact(tz: str, now: datetime | None = None) -> int:
    """Merge the daily rows of months before the month kept per day into one row per month; the sums a
    report reads do not change, so no version is raised. Returns the daily rows merged."""
    before = first_daily_month(now or datetime.now(UTC), tz)
    key = ", ".join(PATTERN_KEY)
    merged = ", ".join("''" if k == "day" else k for k in PATTERN_KEY)
    async with write_transaction():
        rows = await _raw("SELECT COUNT(*) AS n FROM response_cell WHERE period < {} AND day <> ''", before)
        await _raw(f"INSERT INTO response_cell ({key}, n) SELECT {merged}, SUM(n) FROM response_cell "
                   f"WHERE period < {{}} AND day <> '' GROUP BY {key.replace('day, ', '')} "
                   f"ON CONFLICT ({key}) DO UPDATE SET n = response_cell.n + excluded.n", before)
        await _raw("DELETE FROM response_cell WHERE period < {} AND day <> ''", before)
        await _raw("DELETE FROM response_cell WHERE n = 0")
        await _raw("DELETE FROM counter_day_cell WHERE n = 0")
    return int(rows[0]["n"])


@dataclass
class Difference:
    table: str
    key: tuple
    stored: tuple
    expected: tuple

    def __str__(self) -> str:
        return f"{self.table} {self.key}: stored {self.stored}, from the responses {self.expected}"


@dataclass
class CheckResult:
    pattern_rows: int = 0
    counter_day_rows: int = 0
    differences: list[Difference] = field(default_factory=list)


def _day(row: Mapping[str, Any], daily_from: str | None) -> str:
    return MONTH if daily_from and row["period"] < daily_from else str(row["day"])


def _summed(rows: Iterable[Mapping[str, Any]], key: Sequence[str], sums: Sequence[str],
            daily_from: str | None) -> dict[tuple, tuple]:
    result: dict[tuple, list[int]] = {}
    for row in rows:
        k = tuple(_day(row, daily_from) if name == "day" else row[name] for name in key)
        total = result.setdefault(k, [0] * len(sums))
        for j, name in enumerate(sums):
            total[j] += int(row[name] or 0)
    return {k: tuple(v) for k, v in result.items() if any(v)}


def _compare(table: str, stored: dict, expected: dict, result: CheckResult) -> None:
    for key in sorted(stored.keys() | expected.keys(), key=repr):
        zero = (0,) * len(next(iter((stored or expected).values())))
        if stored.get(key, zero) != expected.get(key, zero):
            result.differences.append(Difference(table, key, stored.get(key, zero), expected.get(key, zero)))


async def check(tz: str, now: datetime | None = None, since: str | None = None) -> CheckResult:
    """Compare the rollup (of the months from ``since``, or all) with the sums recomputed from the responses
    (month rows and daily rows of a closed month compare as one month)."""
    now = now or datetime.now(UTC)
    engine, daily_from, months = engine_name(), first_daily_month(now, tz), _since(since)
    result = CheckResult()
    async with current_engine().transaction():  # one snapshot for both sides
        stored = _summed(await _raw(f"SELECT {', '.join(PATTERN_KEY)}, n FROM response_cell WHERE {months}"),
                         PATTERN_KEY, ("n",), daily_from)
        expected = _summed(await _raw(pattern_select(engine, tz, now, daily_from, months)), PATTERN_KEY, ("n",),
                           daily_from)
        result.pattern_rows = len(stored)
        _compare("response_cell", stored, expected, result)
        stored = _summed(await _raw(f"SELECT {', '.join(COUNTER_KEY)}, {', '.join(COUNTER_SUMS)} FROM counter_day_cell "
                                    f"WHERE {months}"), COUNTER_KEY, COUNTER_SUMS, None)
        expected = _summed(await _raw(counter_day_select(engine, tz, now, months)), COUNTER_KEY, COUNTER_SUMS, None)
        result.counter_day_rows = len(stored)
        _compare("counter_day_cell", stored, expected, result)
    return result
