"""Running a batch of submission statements in one write transaction, with as few hops as possible.

The batch logic is a generator of ``(sql, params)`` statements that receives each statement's rows, so
one piece of logic runs on either engine:

- SQLite: the whole transaction runs on the event loop's thread on a plain ``sqlite3`` connection (BEGIN
  IMMEDIATE ... COMMIT, the same locking as ``write_transaction()``). Through piccolo/aiosqlite, and
  even in one worker thread, every statement handed the GIL back and forth with the thread serving
  requests, waiting up to the interpreter's switch interval each time; under load that held a batch open
  for 40 ms to several hundred. The statements themselves take a few milliseconds per batch. Only the
  write lock can take long (another process holding it), so it is taken without blocking, retrying
  asynchronously until the busy timeout, after which "database is locked" surfaces as for any writer.
- PostgreSQL: inside ``write_transaction()`` on the transaction's asyncpg connection, one round trip
  per statement.

Statements are written with ``?`` placeholders; PostgreSQL gets ``$1, $2, ...``. Values are plain tuples:
building a many-row INSERT through piccolo's query objects cost more CPU than storing the rows.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
import time
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine

from survey.db.engine import current_engine, write_transaction

Statement = tuple[str, list[Any]]
Rows = list[dict[str, Any]]
T = TypeVar("T")
Steps = Generator[Statement, Rows, T]

_MARK = re.compile(r"\?")


def marks(count: int) -> str:
    return ",".join("?" * count)


def insert(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, on_conflict_ignore: str | None = None,
    returning: Sequence[str] = (),
) -> Statement:
    """A multi-row INSERT; with ``on_conflict_ignore`` rows clashing on that unique column are skipped, and
    ``returning`` names the columns to read back from the rows actually inserted."""
    row = "(" + marks(len(columns)) + ")"
    sql = f'INSERT INTO "{table}" ({",".join(columns)}) VALUES {",".join([row] * len(rows))}'
    if on_conflict_ignore:
        sql += f" ON CONFLICT ({on_conflict_ignore}) DO NOTHING"
    if returning:
        sql += " RETURNING " + ",".join(returning)
    return sql, [value for row in rows for value in row]


async def _begin_immediate(connection: sqlite3.Connection, patience_s: float) -> None:
    deadline = time.monotonic() + patience_s
    delay = 0.001
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


_sqlite_connections: dict[tuple[str, int], tuple[asyncio.AbstractEventLoop, sqlite3.Connection]] = {}


def _sqlite_connection(database: str) -> sqlite3.Connection:
    """One lasting connection per database file and event loop (whose writer runs one batch at a time):
    closing the last connection to a WAL database checkpoints the whole log into the file, which per batch
    cost as much as the batch itself."""
    loop = asyncio.get_running_loop()
    key = (database, id(loop))
    if key not in _sqlite_connections:
        # timeout=0: no statement ever sleeps on the event loop's thread waiting for a lock.
        connection = sqlite3.connect(database, timeout=0, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        _sqlite_connections[key] = (loop, connection)
    return _sqlite_connections[key][1]


async def _run_sqlite(connection_kwargs: dict[str, Any], steps: Steps[T]) -> T:
    connection = _sqlite_connection(connection_kwargs["database"])
    await _begin_immediate(connection, connection_kwargs["timeout"])
    try:
        statement = next(steps)
        while True:
            rows = [dict(row) for row in connection.execute(*statement).fetchall()]
            statement = steps.send(rows)
    except StopIteration as finished:
        result = finished.value
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    try:
        # The commit waits for the disk (fsync): off the event loop, so requests keep being served.
        await asyncio.to_thread(connection.execute, "COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return result


async def _run_postgres(steps: Steps[T]) -> T:
    async with write_transaction():
        connection = current_engine().current_transaction.get().connection
        try:
            statement = next(steps)
            while True:
                sql, params = statement
                numbers = itertools.count(1)
                records = await connection.fetch(_MARK.sub(lambda _: f"${next(numbers)}", sql), *params)  # noqa: B023
                statement = steps.send([dict(record) for record in records])
        except StopIteration as finished:
            return finished.value


async def run(steps: Steps[T]) -> T:
    """Run every statement ``steps`` yields in one write transaction; its return value is the result."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return await _run_sqlite(engine.connection_kwargs, steps)
    return await _run_postgres(steps)
