"""Fixtures shared by every test: a real database (SQLite file, and PostgreSQL when configured).

PostgreSQL tests run when SURVEY_TEST_POSTGRES holds a server URL (CI sets
``postgresql://postgres@127.0.0.1:5432/test``); each test gets a database of its own, created on that
server and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from survey.settings import Settings, get_settings

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


@pytest.fixture
async def database_url(engine_name: str, tmp_path: Path) -> AsyncIterator[str]:
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'survey.sqlite'}"
        return
    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    config = _server_config()
    user = config["user"]
    yield f"postgresql://{user}@{config['host']}:{config['port']}/{name}"
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
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """A migrated, empty database bound to every table."""
    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import upgrade

    engine = engine_from_settings(settings)
    bind(engine)
    await upgrade()
    yield settings
