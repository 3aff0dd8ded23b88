"""The Database object: one per process, opened by the app's lifespan and by the command line."""

from __future__ import annotations

import sqlite3

import pytest
from litestar.testing import AsyncTestClient

from survey.app import create_app
from survey.db.availability import DatabaseUnavailable
from survey.db.database import Database
from survey.db.tables import KeyValue, Unit


async def test_opening_binds_every_table_and_migrates(settings):
    database = Database(settings)
    assert database.kind == settings.engine
    await database.open(migrate=True)
    try:
        assert Unit._meta.db is database.engine and KeyValue._meta.db is database.engine
        assert await database.pending_migrations() == []
    finally:
        await database.close()


async def test_a_write_transaction_commits_or_leaves_nothing(db):
    database = Database(db, KeyValue._meta.db)
    async with database.write_transaction():
        await KeyValue.insert(KeyValue(key="kept", value=b"1"))
    with pytest.raises(RuntimeError, match="undo"):
        async with database.write_transaction():
            await KeyValue.insert(KeyValue(key="undone", value=b"2"))
            raise RuntimeError("undo")
    rows = await database.fetch("SELECT key FROM kv_store WHERE key IN ({}, {}) ORDER BY key", "kept", "undone")
    assert rows == [{"key": "kept"}]


async def test_streamed_reads_on_sqlite_and_a_clear_refusal_on_postgresql(db):
    database = Database(db, KeyValue._meta.db)
    await database.fetch("INSERT INTO kv_store (key, value) VALUES ({}, {})", "a", b"x")
    if database.kind == "postgres":
        with pytest.raises(ValueError, match="for SQLite"):
            database.stream("SELECT 1", [], size=10, width=1)
        return
    reader = database.stream("SELECT id, length(key) FROM kv_store WHERE key = ?", ["a"], size=10, width=2)
    try:
        batch = await reader.next()
        assert batch.shape == (1, 2) and int(batch[0, 1]) == 1
        assert await reader.next() is None
    finally:
        await reader.stop()


def test_unavailable_means_busy_or_unreachable_only():
    assert Database.is_unavailable(sqlite3.OperationalError("database is locked"))
    assert Database.is_unavailable(ConnectionRefusedError())
    assert not Database.is_unavailable(sqlite3.OperationalError("no such table: nope"))
    assert not Database.is_unavailable(ValueError("a bug"))
    with pytest.raises(DatabaseUnavailable), Database.unavailability_reported():
        raise sqlite3.OperationalError("database is busy")
    with pytest.raises(KeyError), Database.unavailability_reported():
        raise KeyError("a bug passes unchanged")


async def test_a_cache_loads_once_within_its_ttl(db):
    cache, loads = Database.cache(ttl=60.0), []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    assert [await cache.get("k", load) for _ in range(3)] == [1, 1, 1]
    cache.forget("k")
    assert await cache.get("k", load) == 2


async def test_the_app_creates_one_database_and_opens_it_at_start(settings):
    app = create_app(settings)
    database = app.state["database"]
    assert isinstance(database, Database) and database.settings is settings
    async with AsyncTestClient(app=app) as client:
        assert Unit._meta.db is database.engine
        assert (await client.get("/healthz")).status_code == 200
    # Asked once the app has stopped: a PostgreSQL pool belongs to the event loop that served the app.
    assert await database.pending_migrations() == []
