"""Fixtures shared by every test: a real database (SQLite file, and PostgreSQL when configured).

PostgreSQL tests run when SURVEY_TEST_POSTGRES holds a server URL (CI sets
``postgresql://postgres@127.0.0.1:5432/test``); each test gets a database of its own, created on that
server and dropped afterwards.

A migrated database is a copy of one template migrated once per test process, and fixtures that fill it the
same way every time go through ``database_snapshot`` (see ``tests/databases.py``).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from survey.settings import Settings, get_settings
from tests.databases import Templates, clone_postgres, copy_sqlite, migrated_template, snapshot

POSTGRES_URL = os.environ.get("SURVEY_TEST_POSTGRES", "")
ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not POSTGRES_URL, reason="SURVEY_TEST_POSTGRES is not set"),
    ]),
]


def _server_config() -> dict[str, object]:
    from survey.db.engine import postgres_config

    return postgres_config(POSTGRES_URL)


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(**_server_config())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """This test process's migrated templates and snapshots; PostgreSQL ones are dropped at the end."""
    templates = Templates(tmp_path_factory.mktemp("templates"), _server_config() if POSTGRES_URL else None)
    yield templates
    if templates.postgres:
        asyncio.run(templates.drop_all())


async def _migrate(database_url: str) -> None:
    """Bring the empty database at ``database_url`` up to date (to become the template)."""
    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade

    bind(engine_from_settings(Settings(data_dir=Path("."), database_url=database_url, secret_key="t" * 32,
                                       base_url="http://127.0.0.1:8000")))
    await upgrade()


@pytest.fixture
async def database_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest,
                       database_templates: Templates) -> AsyncIterator[str]:
    """An empty database; a migrated one (a copy of the template) when the test also uses ``db``."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'survey.sqlite'}"
        return
    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    config = _server_config()
    url = f"postgresql://{config['user']}@{config['host']}:{config['port']}/{name}"
    if "db" in request.fixturenames:
        await clone_postgres(config, await migrated_template(database_templates, engine_name, url, _migrate), name)
    else:
        await _admin(f'CREATE DATABASE "{name}"')
    yield url
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for one test, read from the environment as in production."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SURVEY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SURVEY_SECRET_KEY", "test-secret-key-" + "x" * 32)
    monkeypatch.setenv("SURVEY_LOG_FORMAT", "text")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
async def db(settings: Settings, engine_name: str, database_templates: Templates) -> AsyncIterator[Settings]:
    """A migrated, empty database bound to every table (a copy of the migrated template)."""
    from survey.db.engine import bind, engine_from_settings

    if engine_name == "sqlite":
        template = await migrated_template(database_templates, engine_name, settings.database_url, _migrate)
        copy_sqlite(Path(template), settings.sqlite_path)
    bind(engine_from_settings(settings))
    yield settings


@pytest.fixture
def database_snapshot(db: Settings, engine_name: str,
                      database_templates: Templates) -> Callable[[str, Callable[[], Awaitable[Any]]], Awaitable[Any]]:
    """``await database_snapshot(name, build)``: what ``build()`` writes into the test's database, built once.

    ``build`` must write the same rows every time it runs (a seeded generator, fixed CSVs) and ``name`` must
    say which: the first test runs it and saves the database, the next ones get a copy and what ``build``
    returned. Use it before the test opens an application client (nothing may hold a connection), and before
    anything else writes: a second snapshot in one test is keyed by the ones already restored (a chain), not by
    rows written between them.
    """
    applied: list[str] = []

    async def take(name: str, build: Callable[[], Awaitable[Any]]) -> Any:
        applied.append(name)
        return await snapshot(database_templates, engine_name, db.database_url, "+".join(applied), build)

    return take

