"""The upserts that apply a :class:`~survey.rollup.cells.Delta`: one row per key, keys in a fixed order.

Each is ``INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`` (both engines). Keys are sorted so
two PostgreSQL transactions touching the same rows lock them in the same order and cannot deadlock; the
version counters come last, so their row locks are held only until the commit that follows.
Statements use ``?`` placeholders (``survey.citizen.bulk``); :func:`apply` runs them through piccolo inside
the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey.rollup.cells import COUNTER_KEY, COUNTER_SUMS, PATTERN_KEY, Delta

Statement = tuple[str, list[Any]]
# Bound parameters per statement stay far below both engines' limits (32,766 on SQLite, 32,767 on PostgreSQL).
MAX_PARAMETERS = 20_000


def _upsert(table: str, key: Sequence[str], sums: Sequence[str], rows: list[tuple], add: str) -> list[Statement]:
    columns = (*key, *sums)
    per_row = max(1, MAX_PARAMETERS // len(columns))
    update = ", ".join(f"{s} = {add.format(table=table, column=s)}" for s in sums)
    statements = []
    for start in range(0, len(rows), per_row):
        chunk = rows[start:start + per_row]
        values = ",".join(["(" + ",".join("?" * len(columns)) + ")"] * len(chunk))
        statements.append((f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
                           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {update}",
                           [value for row in chunk for value in row]))
    return statements


def statements(delta: Delta) -> list[Statement]:
    """The statements applying ``delta``; none when it changes nothing."""
    add = "{table}.{column} + excluded.{column}"
    patterns = sorted((*key, n) for key, n in delta.patterns.items() if n)
    counter_days = sorted((*key, *sums) for key, sums in delta.counter_days.items() if any(sums))
    versions = [(stratum, month, 1) for stratum, month in delta.cells()]
    return [*_upsert("response_cell", PATTERN_KEY, ("n",), patterns, add),
            *_upsert("counter_day_cell", COUNTER_KEY, COUNTER_SUMS, counter_days, add),
            *_upsert("cell_version", ("stratum", "period"), ("version",), versions, "{table}.{column} + 1")]


async def apply(delta: Delta) -> None:
    """Run ``delta``'s statements through piccolo, in the caller's (write) transaction."""
    from survey.db.tables import ResponseCell

    for sql, parameters in statements(delta):
        await ResponseCell.raw(sql.replace("?", "{}"), *parameters)
