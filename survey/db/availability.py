"""Telling "the database is busy or down, try again" apart from every other failure."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

_TRANSIENT_SQLITE = ("database is locked", "database is busy", "unable to open database")
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
