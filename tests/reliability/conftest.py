"""A deployment (fresh database with the demo's units, counters and officers) and a live server on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.accounts.fixtures import world  # noqa: F401  (fixture: units and officers of each role)
from tests.reliability.server import Deployment, LiveServer, load_demo
from tests.support import free_port


@pytest.fixture
def deployment(database_url: str, tmp_path: Path) -> Deployment:
    deployed = Deployment(data_dir=tmp_path / "data", database_url=database_url, port=free_port())
    deployed.data_dir.mkdir(parents=True, exist_ok=True)
    load_demo(deployed, scale=0.05)
    return deployed


@pytest.fixture
async def live_server(deployment: Deployment, tmp_path: Path) -> AsyncIterator[LiveServer]:
    server = LiveServer(deployment, tmp_path / "server.log")
    await server.start()
    try:
        yield server
    finally:
        server.stop()
