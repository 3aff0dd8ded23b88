"""Reading what an export needs from the database, in bounded pieces.

The selected responses are read once, in primary-key order, ``batch`` rows at a time, as integer matrices
(:data:`COLUMNS`): the database turns the month and the channel into numbers, so no Python string or row
object is made per response. Answers held outside the response row (demographic items, other coded
items) are read for each batch's id range and added as columns.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from types import TracebackType

import numpy as np
from piccolo.engine.sqlite import SQLiteEngine

from survey.core.ratings import ELEMENT_COLUMNS, OVERALL_COLUMN
from survey.core.responses import Channel
from survey.db.engine import current_engine
from survey.db.sqlite_reader import ProcessReader
from survey.db.tables import Procedure, Response, Unit
from survey.exports.periods import PeriodSpan

# Columns of the matrices :func:`read_batches` yields, before the answer columns. ``month`` counts months
# (year * 12 + month - 1); ``channel`` is a position in the channel list given, or -1 for another channel.
COLUMNS = ("id", "unit", "counter", "stratum", "procedure", "month", "channel", *ELEMENT_COLUMNS, OVERALL_COLUMN)
COLUMN = {name: position for position, name in enumerate(COLUMNS)}
# Outside the SmallInt range answers are stored in, so it cannot be a real code.
MISSING = -(2 ** 31)
# The channels the application writes; responses with another (imported data) are coded per batch.
KNOWN_CHANNELS = tuple(Channel)
# Response ids to read from which SQLite is read by a process of its own.
READ_IN_A_PROCESS_FROM = 200_000


class Reader:
    """Rows straight from the driver, on a connection of its own.

    An export reads millions of rows; piccolo's per-row dictionaries would cost more than writing the file.
    SQL uses piccolo's ``{}`` placeholders; SQLite queries run in a worker thread so the event loop (and the
    web server around it) keeps serving.
    """

    async def __aenter__(self) -> Reader:
        engine = current_engine()
        if isinstance(engine, SQLiteEngine):
            self._path = engine.path
            self._sqlite: sqlite3.Connection | None = sqlite3.connect(engine.path, check_same_thread=False)
            self._postgres = None
        else:
            self._sqlite = None
            self._postgres = await engine.get_new_connection()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        else:
            await self._postgres.close()

    def _sql(self, sql: str, count: int) -> str:
        if self._sqlite is not None:
            return sql.format(*["?"] * count)
        return sql.format(*[f"${n}" for n in range(1, count + 1)])

    async def matrices(self, sql: str, *args: object, size: int, rows: int, width: int) -> AsyncIterator[np.ndarray]:
        """An all-integer result of ``width`` columns, ``size`` rows at a time as int64 matrices, one statement
        (one snapshot).
        ``rows`` bounds how many there can be: from :data:`READ_IN_A_PROCESS_FROM` on, SQLite is read by
        another process (see :mod:`survey.db.sqlite_reader`); below, starting one costs more than it
        saves."""
        query = self._sql(sql, len(args))
        if self._sqlite is not None and rows >= READ_IN_A_PROCESS_FROM:
            reader = ProcessReader(self._path, query, args, size, width)
            try:
                while (matrix := await reader.next()) is not None:
                    yield matrix
            finally:
                await reader.stop()
            return
        if self._sqlite is not None:
            cursor = await asyncio.to_thread(self._sqlite.execute, query, args)
            while batch := await asyncio.to_thread(cursor.fetchmany, size):
                yield np.array(batch, dtype=np.int64)
            return
        async with self._postgres.transaction():
            cursor = await self._postgres.cursor(query, *args)
            while rows := await cursor.fetch(size):
                yield np.array([tuple(row) for row in rows], dtype=np.int64)

    async def fetch(self, sql: str, *args: object) -> list[tuple]:
        query = self._sql(sql, len(args))
        if self._sqlite is not None:
            return await asyncio.to_thread(lambda: self._sqlite.execute(query, args).fetchall())
        return await self._postgres.fetch(query, *args)


@dataclass(frozen=True)
class UnitNode:
    id: int
    code: str
    level: str
    parent: int | None


@dataclass(frozen=True)
class Scope:
    """A unit and everything under it."""

    root: UnitNode
    path: str
    units: dict[int, UnitNode]

    def parent(self, unit_id: int) -> int:
        """The unit above, staying inside the scope (the root is its own parent)."""
        if unit_id == self.root.id:
            return unit_id
        return self.units[unit_id].parent or self.root.id


@dataclass(frozen=True)
class Selection:
    """The responses an export covers: valid ones of one instrument version, in a scope and months."""

    scope: Scope
    span: PeriodSpan
    instrument_key: str
    instrument_version: int
    # Responses arriving while an export runs are left out, so both passes see the same rows.
    last_id: int

    def where(self) -> tuple[str, list[object]]:
        # On SQLite a unary + keeps the planner on the primary key for the keyset walk instead of an index
        # on period or unit followed by a sort of the whole scope for every batch.
        plain = "+" if isinstance(current_engine(), SQLiteEngine) else ""
        sql = (
            f"{plain}r.unit IN (SELECT id FROM unit WHERE path LIKE {{}}) "
            f"AND {plain}r.period >= {{}} AND {plain}r.period <= {{}} "
            f"AND {plain}r.instrument_key = {{}} AND {plain}r.instrument_version = {{}} AND {plain}r.status = 'valid' "
            "AND r.id <= {}"
        )
        return sql, [self.scope.path + "%", self.span.first, self.span.last, self.instrument_key,
                     self.instrument_version, self.last_id]


async def load_scope(code: str) -> Scope:
    root = await Unit.select(Unit.id, Unit.code, Unit.level, Unit.parent, Unit.path).where(Unit.code == code).first()
    if root is None:
        raise ValueError(f"unknown unit {code!r}: the scope must be the code of a unit")
    rows = await Unit.select(Unit.id, Unit.code, Unit.level, Unit.parent).where(Unit.path.like(root["path"] + "%"))
    units = {row["id"]: UnitNode(row["id"], row["code"], row["level"], row["parent"]) for row in rows}
    return Scope(units[root["id"]], root["path"], units)


async def instrument_versions(scope: Scope, span: PeriodSpan,
                              candidates: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Which of the (instrument key, version) ``candidates`` have valid responses in the scope and months.

    One index probe per candidate and unit (response_instrument_unit_period), so asking costs the same
    however many responses there are.
    """
    present = []
    for key, version in candidates:
        found = await Response.raw(
            "SELECT 1 AS found FROM response r WHERE r.instrument_key = {} AND r.instrument_version = {} "
            "AND r.unit IN (SELECT id FROM unit WHERE path LIKE {}) AND r.period >= {} AND r.period <= {} "
            "AND r.status = 'valid' LIMIT 1",
            key, version, scope.path + "%", span.first, span.last,
        )
        if found:
            present.append((key, version))
    return present


async def last_response_id() -> int:
    row = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
    return row["id"] if row else 0


async def dossier_volumes(scope: Scope, span: PeriodSpan) -> dict[tuple[int, str], int]:
    rows = await Response.raw(
        "SELECT v.unit AS unit, v.period AS period, v.dossiers AS dossiers FROM dossier_volume v "
        "WHERE v.unit IN (SELECT id FROM unit WHERE path LIKE {}) AND v.period >= {} AND v.period <= {}",
        scope.path + "%", span.first, span.last,
    )
    return {(row["unit"], row["period"]): int(row["dossiers"]) for row in rows}


async def procedure_fields() -> dict[int, str | None]:
    rows = await Procedure.select(Procedure.id, Procedure.field)
    return {row["id"]: row["field"] for row in rows}


class Channels:
    """Channel names and their numbers; grows when a batch holds a channel not seen before."""

    def __init__(self) -> None:
        self.names: list[str] = list(KNOWN_CHANNELS)

    def number(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)


async def read_batches(reader: Reader, selection: Selection, channels: Channels, answer_items: Sequence[str],
                       batch: int) -> AsyncIterator[np.ndarray]:
    """The selected responses in id order as int64 matrices: :data:`COLUMNS`, then one column per item of
    ``answer_items``; a missing value is :data:`MISSING`.

    The database numbers the channels it is told of; a batch holding another channel has those rows
    numbered here, and the reading goes on after that batch with the longer list, so each new channel costs
    one extra query.
    """
    where, where_args = selection.where()
    items = ", ".join(f"COALESCE(r.{column}, {MISSING})" for column in COLUMNS[COLUMN["e1"]:])
    after = 0
    while True:
        known = list(channels.names)
        cases = " ".join(f"WHEN {{}} THEN {n}" for n in range(len(known)))
        sql = (
            "SELECT r.id, r.unit, COALESCE(r.counter, 0), COALESCE(r.stratum, 0), COALESCE(r.procedure, 0), "
            "CAST(substr(r.period, 1, 4) AS INTEGER) * 12 + CAST(substr(r.period, 6, 2) AS INTEGER) - 1, "
            f"CASE r.channel {cases} ELSE -1 END, {items} "
            f"FROM response r WHERE r.id > {{}} AND {where} ORDER BY r.id"
        )
        async with aclosing(reader.matrices(sql, *known, after, *where_args, size=batch,
                                            rows=selection.last_id - after, width=len(COLUMNS))) as matrices:
            async for matrix in matrices:
                other = matrix[:, COLUMN["channel"]] < 0
                if other.any():
                    await _code_other_channels(reader, matrix, other, channels)
                if answer_items:
                    matrix = np.hstack([matrix, await _answer_columns(reader, matrix[:, 0], answer_items)])
                yield matrix
                if other.any():
                    after = int(matrix[-1, 0])
                    break
            else:
                return


async def _code_other_channels(reader: Reader, matrix: np.ndarray, other: np.ndarray, channels: Channels) -> None:
    ids = matrix[:, 0]
    known = ", ".join("{}" for _ in channels.names)
    rows = await reader.fetch(f"SELECT r.id, r.channel FROM response r WHERE r.id >= {{}} AND r.id <= {{}} "
                              f"AND r.channel NOT IN ({known})", int(ids[0]), int(ids[-1]), *channels.names)
    named = {row[0]: channels.number(row[1]) for row in rows}
    matrix[other, COLUMN["channel"]] = [named[int(i)] for i in ids[other]]


async def _answer_columns(reader: Reader, ids: np.ndarray, item_codes: Sequence[str]) -> np.ndarray:
    placeholders = ", ".join("{}" for _ in item_codes)
    rows = await reader.fetch(
        "SELECT a.response, a.item_code, a.value_num FROM answer a "
        f"WHERE a.response >= {{}} AND a.response <= {{}} AND a.item_code IN ({placeholders}) AND a.value_num IS NOT NULL",
        int(ids[0]), int(ids[-1]), *item_codes,
    )
    columns = np.full((len(ids), len(item_codes)), MISSING, dtype=np.int64)
    if rows:
        response, item, value = zip(*rows)
        positions = np.searchsorted(ids, np.asarray(response, dtype=np.int64))
        # Answers of responses outside the selection (another status or instrument) fall between its ids.
        inside = (positions < len(ids)) & (ids[np.minimum(positions, len(ids) - 1)] == response)
        slot = {code: n for n, code in enumerate(item_codes)}
        columns[positions[inside], np.fromiter((slot[code] for code in item), np.int64, len(item))[inside]] = \
            np.asarray(value, dtype=np.int64)[inside]
    return columns


async def texts_between(reader: Reader, first_id: int, last_id: int,
                        item_codes: Sequence[str]) -> dict[int, dict[str, str]]:
    """Free-text answers to ``item_codes`` of responses ``first_id``..``last_id``: {response: {item: text}}."""
    placeholders = ", ".join("{}" for _ in item_codes)
    rows = await reader.fetch(
        "SELECT a.response, a.item_code, a.value_text FROM answer a "
        f"WHERE a.response >= {{}} AND a.response <= {{}} AND a.item_code IN ({placeholders}) AND a.value_text IS NOT NULL",
        first_id, last_id, *item_codes,
    )
    texts: dict[int, dict[str, str]] = {}
    for response, item, text in rows:
        texts.setdefault(response, {})[item] = text
    return texts
