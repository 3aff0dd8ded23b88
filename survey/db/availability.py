"""Telling "the database is busy or down, try again" apart from every other failure."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

# A full disk and a read-only file are transient too: space is freed, the filesystem remounted.
_TRANSIENT_SQLITE = (
    "database is locked", "database is busy", "unable to open database", "database or disk is full",
    "readonly database", "disk i/o error",
)
_UNAVAILABLE_PG_STATES = {
    "53100",  # disk_full
    "53200",  # out_of_memory
    "25006",  # read_only_sql_transaction (a standby, default_transaction_read_only)
}
_UNAVAILABLE_PG = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


class DatabaseUnavailable(Exception):
    """The database did not answer in time; nothing was stored and the same request may be sent again."""


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return any(text in str(exc).lower() for text in _TRANSIENT_SQLITE)
    if getattr(exc, "sqlstate", None) in _UNAVAILABLE_PG_STATES:
        return True
    return isinstance(exc, (OSError, TimeoutError, *_UNAVAILABLE_PG))


@contextmanager
def unavailability_reported() -> Iterator[None]:
    """Inside, a busy or unreachable database surfaces as DatabaseUnavailable; other errors pass unchanged."""
    try:
        yield
    except Exception as exc:
        if is_unavailable(exc):
            raise DatabaseUnavailable(str(exc)) from exc
        raise
