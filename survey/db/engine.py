"""Engine selection and the one way the application opens a write transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from survey.settings import Settings

# Set by ``bind``; None until a process (the app's lifespan, a command, a test) has chosen its database.
_bound: Engine | None = None


def postgres_config(url: str) -> dict[str, object]:
    """asyncpg connection arguments from a postgresql:// URL."""
    parts = urlsplit(url)
    config: dict[str, object] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "database": (parts.path or "/").lstrip("/") or "postgres",
        "user": unquote(parts.username) if parts.username else "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def sqlite_engine(path: str, busy_timeout_s: float) -> SQLiteEngine:
    """A SQLite engine on ``path`` in WAL mode, so readers never block the writer.

    WAL is a property of the database file, set once here; the busy timeout is per connection and
    travels in the connection arguments piccolo passes to every ``connect``.
    """
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    return SQLiteEngine(path=path, timeout=busy_timeout_s)


def engine_from_settings(settings: Settings) -> Engine:
    if settings.engine == "postgres":
        return PostgresEngine(config=postgres_config(settings.database_url))
    return sqlite_engine(str(settings.sqlite_path), settings.sqlite_busy_timeout_s)


def bind(engine: Engine) -> None:
    """Point every table, piccolo's migration bookkeeping and its configuration at ``engine``.

    Tables remember the engine they first found; switching (as tests do between SQLite and PostgreSQL in
    one process) has to reach all of them.
    """
    from piccolo.apps.migrations.tables import Migration

    from survey.db.tables import ALL_TABLES

    global _bound
    _bound = engine
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine


def bound_engine() -> Engine | None:
    """The engine ``bind`` last chose, which piccolo's configuration (``piccolo_conf.DB``) hands out."""
    return _bound


def current_engine() -> Engine:
    from survey.db.tables import Unit

    return Unit._meta.db


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction for writes.

    On SQLite it starts IMMEDIATE: the write lock is taken up front, so two writers queue on the busy
    timeout instead of one failing with "database is locked" when it upgrades a read lock.
    """
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield
