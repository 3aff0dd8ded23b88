"""Can the database still be written? The part of /healthz that ``SELECT 1`` cannot see.

A read-only database (a remounted filesystem, a PostgreSQL standby) and a full disk still answer reads, so
a load balancer asking only "can I connect" keeps sending citizens whose answers cannot be stored. Three
looks, cheapest first: this process's last write (a write that failed for lack of space or permission
marks the database until a write succeeds), and for SQLite the file's filesystem (writable, free space),
for PostgreSQL ``transaction_read_only``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from survey.settings import Settings

# Below this much free space a SQLite database is reported full: a batch of answers and its WAL frames.
MIN_FREE_BYTES = 1 << 20
_STORAGE_FAILURES = {
    "database or disk is full": "disk full",
    "no space left": "disk full",
    "could not extend file": "disk full",
    "readonly database": "read-only",
    "read-only": "read-only",
}
_last_write_problem: str | None = None


def storage_problem_of(exc: BaseException) -> str | None:
    """'disk full' or 'read-only' when ``exc`` says so, else None."""
    text = str(exc).lower()
    return next((problem for words, problem in _STORAGE_FAILURES.items() if words in text), None)


def write_failed(exc: BaseException) -> None:
    global _last_write_problem
    _last_write_problem = storage_problem_of(exc) or _last_write_problem


def write_succeeded() -> None:
    global _last_write_problem
    _last_write_problem = None


def _sqlite_problem(path: Path) -> str | None:
    folder = path.parent
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return "read-only"
    if shutil.disk_usage(folder).free < MIN_FREE_BYTES:
        return "disk full"
    return None


async def storage_problem(settings: Settings) -> str | None:
    """What keeps the database from storing answers now ('read-only', 'disk full'), or None."""
    if settings.engine == "sqlite":
        problem = _sqlite_problem(settings.sqlite_path)
    else:
        from survey.db.tables import Unit

        rows = await Unit.raw("SELECT current_setting('transaction_read_only') AS read_only")
        problem = "read-only" if rows and rows[0]["read_only"] == "on" else None
    return problem or _last_write_problem
