"""Online backup and restore of the embedded SQLite database.

SQLite's backup API copies a consistent snapshot while the server keeps writing (WAL readers never block
the writer). PostgreSQL deployments use the server's own tools (see README): ``pg_dump --format=custom``
and ``pg_restore``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(ValueError):
    """The backup or restore cannot be done as asked; the message says why."""


def _check_integrity(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            connection.execute("SELECT count(*) FROM response").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable survey database: {exc}") from None
    if verdict != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")


def backup_sqlite(database: Path, target: Path) -> int:
    """Copy ``database`` to ``target`` while it is in use; return the number of responses copied."""
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with sqlite3.connect(database) as source, sqlite3.connect(partial) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    _check_integrity(partial)
    os.replace(partial, target)
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT count(*) FROM response").fetchone()[0]


def restore_sqlite(backup: Path, database: Path, timezone: str | None = None) -> int:
    """Replace ``database`` with ``backup`` (stop the server first); return the number of responses restored.

    The copy goes through SQLite's backup API into the live file, so readers that are still open see
    either the old or the new database, never a torn file. With ``timezone``, the reports' rollup is then
    recounted from the restored rows (the backup may predate it or a change to it), which also moves every
    data version a cached report was keyed on.
    """
    if not backup.exists():
        raise BackupError(f"there is no backup at {backup}")
    _check_integrity(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as source, sqlite3.connect(database) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        if timezone is not None and target.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'response_cell'").fetchone():
            from datetime import UTC, datetime

            from survey.rollup.maintain import rebuild_statements

            for statement in rebuild_statements("sqlite", timezone, datetime.now(UTC)):
                target.execute(statement)
        return target.execute("SELECT count(*) FROM response").fetchone()[0]
