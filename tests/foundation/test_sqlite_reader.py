"""The reading process hands over exactly the query's rows, and its failures reach the export."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from survey.db.sqlite_reader import ProcessReader


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "numbers.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", [(n, -n * 2 ** 40) for n in range(1, 1001)])
    return str(path)


async def read_all(reader: ProcessReader) -> list[np.ndarray]:
    batches = []
    try:
        while (batch := await reader.next()) is not None:
            batches.append(batch)
    finally:
        await reader.stop()
    return batches


async def test_batches_hold_every_row_in_order(database):
    batches = await read_all(ProcessReader(database, "SELECT a, b FROM t WHERE a > ? ORDER BY a", [10], 64, 2))
    assert [len(b) for b in batches] == [64] * 15 + [30]
    rows = np.vstack(batches)
    assert rows[:, 0].tolist() == list(range(11, 1001))
    assert (rows[:, 1] == -rows[:, 0] * 2 ** 40).all()
    batches[0][0, 0] = 0  # the caller may fill in what the database could not


async def test_an_empty_result_ends_at_once(database):
    assert await read_all(ProcessReader(database, "SELECT a, b FROM t WHERE a < 0", [], 64, 2)) == []


async def test_a_failing_query_raises_with_the_database_message(database):
    with pytest.raises(RuntimeError, match="no such column: c"):
        await read_all(ProcessReader(database, "SELECT a, c FROM t", [], 64, 2))
