"""Reading what an export needs from the database, in bounded pieces.

Two passes over the selected responses: :func:`cell_counts` asks the database for the number of responses
in every combination of the quasi-identifiers (a ``GROUP BY``, no rows in Python), and :func:`stream_rows`
then walks the responses in primary-key order in fixed-size batches (keyset pagination: ``id > last``), so
memory stays flat however many rows there are.
"""

from __future__ import annotations

import asyncio
import sqlite3
from sys import intern
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from piccolo.engine.sqlite import SQLiteEngine

from survey.db.engine import current_engine
from survey.db.tables import Response, Unit
from survey.exports.periods import PeriodSpan

ELEMENT_COLUMNS = ("e1", "e2", "e3", "e4", "e5")
OVERALL_COLUMN = "overall"
# Column order of the tuples :func:`stream_rows` yields.
ROW_COLUMNS = ("id", "unit", "counter", "stratum", "period", "channel", "status", "procedure_group",
               *ELEMENT_COLUMNS, OVERALL_COLUMN)
ROW = {name: position for position, name in enumerate(ROW_COLUMNS)}


class TupleReader:
    """Rows as plain tuples straight from the driver, on a connection of its own.

    An export reads millions of rows; piccolo's per-row dictionaries would cost more than writing the file.
    SQL uses piccolo's ``{}`` placeholders; SQLite queries run in a worker thread so the event loop (and the
    web server around it) keeps serving.
    """

    async def __aenter__(self) -> "TupleReader":
        engine = current_engine()
        if isinstance(engine, SQLiteEngine):
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

    async def chunks(self, sql: str, *args: object, size: int = 50_000) -> AsyncIterator[list[tuple]]:
        """A large result ``size`` rows at a time, never all of it in memory at once."""
        query = self._sql(sql, len(args))
        if self._sqlite is not None:
            cursor = await asyncio.to_thread(self._sqlite.execute, query, args)
            while rows := await asyncio.to_thread(cursor.fetchmany, size):
                yield rows
            return
        async with self._postgres.transaction():
            cursor = await self._postgres.cursor(query, *args)
            while rows := await cursor.fetch(size):
                yield rows

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


async def instrument_versions(scope: Scope, span: PeriodSpan) -> list[tuple[str, int, int]]:
    """(instrument key, version, valid responses) present in the scope and months."""
    rows = await Response.raw(
        "SELECT r.instrument_key AS key, r.instrument_version AS version, COUNT(*) AS n FROM response r "
        "WHERE r.unit IN (SELECT id FROM unit WHERE path LIKE {}) AND r.period >= {} AND r.period <= {} "
        "AND r.status = 'valid' GROUP BY r.instrument_key, r.instrument_version ORDER BY r.instrument_key, r.instrument_version",
        scope.path + "%", span.first, span.last,
    )
    return [(row["key"], int(row["version"]), int(row["n"])) for row in rows]


async def last_response_id() -> int:
    row = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
    return row["id"] if row else 0


def _answer_joins(item_codes: Sequence[str]) -> tuple[str, list[str], list[object]]:
    joins, columns = [], []
    for position, _code in enumerate(item_codes):
        joins.append(f"LEFT JOIN answer a{position} ON a{position}.response = r.id AND a{position}.item_code = {{}}")
        columns.append(f"a{position}.value_num")
    return " ".join(joins), columns, list(item_codes)


async def cell_counts(reader: TupleReader, selection: Selection, demographic_items: Sequence[str]) -> dict[tuple, int]:
    """Responses per (unit, month, procedure group, channel, *demographic answers)."""
    joins, demographic_columns, join_args = _answer_joins(demographic_items)
    where, where_args = selection.where()
    keys = ["r.unit", "r.period", "p.field", "r.channel", *demographic_columns]
    counts: dict[tuple, int] = {}
    units: dict[int, int] = {}
    async for rows in reader.chunks(
        f"SELECT {', '.join(keys)}, COUNT(*) FROM response r LEFT JOIN procedure p ON p.id = r.procedure {joins} "
        f"WHERE {where} GROUP BY {', '.join(keys)}",
        *join_args, *where_args,
    ):
        for row in rows:
            # An empty procedure field and no procedure at all are the same thing to a reader: unknown.
            # Interned, each unit id, month, field and channel is stored once however many cells there are.
            unit = units.setdefault(row[0], row[0])
            key = (unit, intern(row[1]), intern(row[2]) if row[2] else None, intern(row[3]), *row[4:-1])
            counts[key] = counts.get(key, 0) + int(row[-1])
    return counts


async def dossier_volumes(scope: Scope, span: PeriodSpan) -> dict[tuple[int, str], int]:
    rows = await Response.raw(
        "SELECT v.unit AS unit, v.period AS period, v.dossiers AS dossiers FROM dossier_volume v "
        "WHERE v.unit IN (SELECT id FROM unit WHERE path LIKE {}) AND v.period >= {} AND v.period <= {}",
        scope.path + "%", span.first, span.last,
    )
    return {(row["unit"], row["period"]): int(row["dossiers"]) for row in rows}


async def stream_rows(reader: TupleReader, selection: Selection, batch_size: int) -> AsyncIterator[list[tuple]]:
    """The selected responses in id order, ``batch_size`` at a time, as tuples in :data:`ROW_COLUMNS` order."""
    where, where_args = selection.where()
    element_columns = ", ".join(f"r.{column}" for column in (*ELEMENT_COLUMNS, OVERALL_COLUMN))
    sql = (
        f"SELECT r.id, r.unit, r.counter, r.stratum, r.period, r.channel, r.status, p.field, {element_columns} "
        "FROM response r LEFT JOIN procedure p ON p.id = r.procedure "
        f"WHERE r.id > {{}} AND {where} ORDER BY r.id LIMIT {{}}"
    )
    last = 0
    while rows := await reader.fetch(sql, last, *where_args, batch_size):
        yield rows
        last = rows[-1][0]


async def answers_between(reader: TupleReader, first_id: int, last_id: int,
                          item_codes: Sequence[str]) -> dict[int, dict[str, object]]:
    """Answers to ``item_codes`` of responses ``first_id``..``last_id``: {response: {item: value}}."""
    if not item_codes:
        return {}
    placeholders = ", ".join("{}" for _ in item_codes)
    rows = await reader.fetch(
        "SELECT a.response, a.item_code, a.value_num, a.value_text FROM answer a "
        f"WHERE a.response >= {{}} AND a.response <= {{}} AND a.item_code IN ({placeholders})",
        first_id, last_id, *item_codes,
    )
    answers: dict[int, dict[str, object]] = {}
    for response, item, number, text in rows:
        answers.setdefault(response, {})[item] = number if text is None else text
    return answers
