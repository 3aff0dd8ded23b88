"""Test databases built once and copied: a migrated template, and snapshots of expensive fixtures.

Migrating a database and loading the demo take seconds; copying a database takes milliseconds. So each test
process migrates one template per engine and every test gets a copy of it (SQLite: the file, copied with
SQLite's online backup, which also reads what is still in the write-ahead log; PostgreSQL:
``CREATE DATABASE ... TEMPLATE``). A fixture that fills the database the same way every time (the demo, a unit
tree with officers) is built once the same way and saved as a snapshot; later tests restore it into their own
database, so each test still owns its data and may change it.

Names carry a random part per process, so pytest-xdist workers and parallel runs on one PostgreSQL server
never share a template.
"""

from __future__ import annotations

import copy
import hashlib
import re
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN = uuid.uuid4().hex[:8]
"""Distinguishes this test process's templates from those of other workers and runs."""


def copy_sqlite(source: Path, target: Path) -> None:
    """``target`` becomes a copy of the SQLite database ``source`` (both closed by the caller's engine)."""
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copied:
        origin.backup(copied)
    origin.close()
    copied.close()


async def postgres_admin(server: dict[str, object], sql: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the server's maintenance database."""
    import asyncpg

    connection = await asyncpg.connect(**server)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def clone_postgres(server: dict[str, object], template: str, name: str) -> None:
    """Create database ``name`` as a copy of ``template`` (which must have no open connection)."""
    await postgres_admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


@dataclass
class Templates:
    """This process's migrated templates and fixture snapshots, and how to drop them at the end."""

    folder: Path
    server: dict[str, object] | None = None
    sqlite: dict[str, Path] = field(default_factory=dict)
    postgres: dict[str, str] = field(default_factory=dict)
    values: dict[tuple[str, str], Any] = field(default_factory=dict)

    def sqlite_path(self, name: str) -> Path:
        return self.folder / f"{_label(name)}.sqlite"

    def postgres_name(self, name: str) -> str:
        return f"survey_tmpl_{RUN}_{_label(name)}"

    async def drop_all(self) -> None:
        if self.server is not None:
            for database in self.postgres.values():
                await postgres_admin(self.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.postgres.clear()


async def migrated_template(templates: Templates, engine_name: str, database_url: str,
                            migrate: Callable[[str], Awaitable[None]]) -> str:
    """The template every migrated test database is copied from: a path (SQLite) or a database name.

    ``migrate(url)`` brings the empty database at ``url`` up to date; it runs once per process and engine.
    """
    if engine_name == "sqlite":
        if "migrated" not in templates.sqlite:
            path = templates.sqlite_path("migrated")
            await migrate(f"sqlite:///{path}")
            templates.sqlite["migrated"] = path
        return str(templates.sqlite["migrated"])
    if "migrated" not in templates.postgres:
        assert templates.server is not None
        name = templates.postgres_name("migrated")
        await postgres_admin(templates.server, f'CREATE DATABASE "{name}"')
        templates.postgres["migrated"] = name
        base = database_url.rsplit("/", 1)[0]
        await migrate(f"{base}/{name}")
    return templates.postgres["migrated"]


async def snapshot(templates: Templates, engine_name: str, database_url: str, name: str,
                   build: Callable[[], Awaitable[Any]]) -> Any:
    """Fill the test's (migrated, empty, bound) database with ``build()``, or with a copy of what it built before.

    Returns what ``build`` returned (a deep copy, so a test that changes it leaves the others their own). The
    caller makes sure nothing holds a connection to the database: SQLite is overwritten page by page,
    PostgreSQL is dropped and created again from the snapshot.
    """
    key = (engine_name, name)
    if key in templates.values:
        await restore(templates, engine_name, database_url, name)
        return copy.deepcopy(templates.values[key])
    value = await build()
    await save(templates, engine_name, database_url, name)
    templates.values[key] = value
    return copy.deepcopy(value)


def _label(name: str) -> str:
    """A short name safe for a file or a PostgreSQL database (at most 63 bytes with the prefix)."""
    return re.sub(r"\W", "_", name)[:20] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _sqlite_file(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


def _postgres_database(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1]


async def save(templates: Templates, engine_name: str, database_url: str, name: str) -> None:
    if engine_name == "sqlite":
        path = templates.sqlite_path(name)
        copy_sqlite(_sqlite_file(database_url), path)
        templates.sqlite[name] = path
        return
    assert templates.server is not None
    snapshot_name = templates.postgres_name(name)
    await clone_postgres(templates.server, _postgres_database(database_url), snapshot_name)
    templates.postgres[name] = snapshot_name


async def restore(templates: Templates, engine_name: str, database_url: str, name: str) -> None:
    if engine_name == "sqlite":
        copy_sqlite(templates.sqlite[name], _sqlite_file(database_url))
        return
    assert templates.server is not None
    database = _postgres_database(database_url)
    await postgres_admin(templates.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await clone_postgres(templates.server, templates.postgres[name], database)
