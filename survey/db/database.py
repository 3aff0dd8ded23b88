"""The one database of a process: its engine, chosen once from the settings, and what areas need of it.

The app's lifespan and the command line each create one ``Database`` and open it; opening binds every
table to its engine (piccolo's tables find their engine through their class, so the binding is what makes
queries anywhere in the process reach this database). Areas that are handed the object use it for a write
transaction, plain reads, streamed reads, telling "the database is unavailable" apart from a bug, and
short-lived caches.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from survey.db import availability
from survey.db.cache import EngineCache
from survey.db.engine import bind, engine_from_settings, write_transaction
from survey.db.migrate import pending_migrations, upgrade
from survey.db.sqlite_reader import ProcessReader
from survey.settings import Settings

log = logging.getLogger(__name__)


class Database:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or engine_from_settings(settings)

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgres``."""
        return "postgres" if isinstance(self.engine, PostgresEngine) else "sqlite"

    async def open(self, *, migrate: bool, pool: bool = False) -> None:
        """Bind every table to this engine; apply pending migrations when ``migrate``; start PostgreSQL's
        connection pool when ``pool`` (a server: an unreachable server is logged, and /healthz says so)."""
        bind(self.engine)
        if migrate:
            await upgrade()
        if pool and isinstance(self.engine, PostgresEngine):
            try:
                await self.engine.start_connection_pool()
            except OSError:
                # Serve anyway: piccolo connects per query until the server is back.
                log.warning("PostgreSQL unreachable at start; running without a connection pool", exc_info=True)

    async def close(self) -> None:
        if isinstance(self.engine, PostgresEngine) and self.engine.pool:
            await self.engine.close_connection_pool()

    async def pending_migrations(self) -> list[str]:
        return await pending_migrations()

    def write_transaction(self) -> AbstractAsyncContextManager[None]:
        """A write transaction (IMMEDIATE on SQLite, so writers queue instead of failing)."""
        return write_transaction()

    async def fetch(self, sql: str, *args: object) -> list[dict[str, Any]]:
        """Rows of a query written with ``{}`` placeholders, the values bound."""
        return [dict(row) for row in await self.engine.run_querystring(QueryString(sql, *args))]

    def stream(self, sql: str, args: Sequence[object], *, size: int, width: int) -> ProcessReader:
        """An all-integer SQLite result read by a process of its own, batch by batch (see sqlite_reader)."""
        if self.kind != "sqlite":
            raise ValueError("streamed reads by a separate process are for SQLite; PostgreSQL streams with a cursor")
        return ProcessReader(str(self.settings.sqlite_path), sql, args, size, width)

    @staticmethod
    def is_unavailable(exc: BaseException) -> bool:
        """The database being busy or unreachable (try again), as opposed to any other failure."""
        return availability.is_unavailable(exc)

    @staticmethod
    def unavailability_reported() -> AbstractContextManager[None]:
        """Inside, a busy or unreachable database surfaces as DatabaseUnavailable."""
        return availability.unavailability_reported()

    @staticmethod
    def cache(ttl: float) -> EngineCache:
        """A cache of rarely changing rows kept ``ttl`` seconds, per engine."""
        return EngineCache(ttl=ttl)
