"""SQL on the open write transaction's own connection, for the submission path.

Two costs dominated batched writes through piccolo's query objects: building a many-row INSERT (per-row
Table objects, default values, value conversion cost more CPU than the database spent storing the rows),
and, on SQLite, each query being several hops between the event loop and aiosqlite's thread (execute,
fetch, close), each hop waiting behind every request the loop is serving. Here a statement is one
parameterised string, values are plain tuples, and a statement is one hop.
Statements are written with ``?`` placeholders; PostgreSQL gets ``$1, $2, ...``.
Only call inside ``write_transaction()``.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Sequence

from piccolo.engine.sqlite import SQLiteEngine

from survey.db.engine import current_engine

_MARK = re.compile(r"\?")


def _connection() -> tuple[Any, bool]:
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("survey.citizen.bulk runs only inside write_transaction()")
    return transaction.connection, isinstance(engine, SQLiteEngine)


def marks(count: int) -> str:
    return ",".join("?" * count)


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    connection, sqlite = _connection()
    if sqlite:
        # piccolo's connections return rows as dicts (its row factory); one hop to aiosqlite's thread.
        return [dict(row) for row in await connection.execute_fetchall(sql, list(params))]
    numbers = itertools.count(1)
    return [dict(record) for record in await connection.fetch(_MARK.sub(lambda _: f"${next(numbers)}", sql), *params)]


async def insert(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, on_conflict_ignore: str | None = None,
    returning: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Insert ``rows``; with ``on_conflict_ignore`` rows clashing on that unique column are skipped.

    Returns the ``returning`` columns of the rows actually inserted.
    """
    if not rows:
        return []
    row = "(" + marks(len(columns)) + ")"
    sql = f'INSERT INTO "{table}" ({",".join(columns)}) VALUES {",".join([row] * len(rows))}'
    if on_conflict_ignore:
        sql += f" ON CONFLICT ({on_conflict_ignore}) DO NOTHING"
    if returning:
        sql += " RETURNING " + ",".join(returning)
    return await fetch(sql, [value for row in rows for value in row])
