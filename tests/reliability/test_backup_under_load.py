"""A backup taken while citizens are submitting restores into a working server with no half-stored response.

SQLite uses ``survey db backup`` / ``survey db restore``; PostgreSQL the commands SECURITY.md gives to
operators, ``pg_dump --format=custom`` and ``pg_restore``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import POSTGRES_URL
from tests.reliability.citizens import Citizens, Traffic
from tests.reliability.ledger import Ledger, max_response_id, reconcile
from tests.reliability.server import LiveServer, counter_tokens, fresh_database
from tests.support import free_port

pytestmark = pytest.mark.slow

KIOSKS = 4


def backup(deployment, file: Path) -> None:
    if deployment.settings.engine == "sqlite":
        command = [sys.executable, "-m", "survey.cli", "db", "backup", str(file)]
    else:
        command = ["pg_dump", "--format=custom", "--file", str(file), deployment.database_url]
    subprocess.run(command, env=deployment.env, check=True, capture_output=True)


def restore(deployment, file: Path) -> None:
    if deployment.settings.engine == "sqlite":
        command = [sys.executable, "-m", "survey.cli", "db", "restore", str(file)]
    else:
        command = ["pg_restore", "--no-owner", "--dbname", deployment.database_url, str(file)]
    subprocess.run(command, env=deployment.env, check=True, capture_output=True)


async def test_a_backup_taken_under_load_restores_whole(live_server: LiveServer, tmp_path: Path):
    deployment = live_server.deployment
    tokens = await counter_tokens(deployment.settings)
    baseline = await max_response_id(deployment.settings)
    ledger, traffic, stop = Ledger(), Traffic(), asyncio.Event()
    async with httpx.AsyncClient(timeout=10.0) as http:
        crowd = [Citizens(http, deployment.base_url, tokens, ledger, traffic, time.monotonic() + 60, random.Random(n))
                 for n in range(KIOSKS)]

        async def keep_submitting(citizens: Citizens) -> None:
            while not stop.is_set():
                await citizens.by_api()

        clients = [asyncio.create_task(keep_submitting(c)) for c in crowd]
        await asyncio.sleep(1.0)
        file = tmp_path / "backup.dump"
        await asyncio.to_thread(backup, deployment, file)
        stop.set()
        await asyncio.gather(*clients)
    live_server.stop()

    engine = deployment.settings.engine
    async with fresh_database(engine, tmp_path / "restored", POSTGRES_URL) as url:
        restored = dataclasses.replace(deployment, data_dir=tmp_path / "restored", database_url=url, port=free_port())
        restore(restored, file)
        server = LiveServer(restored, tmp_path / "restored.log")
        await server.start()
        server.stop()
        # Everything in the copy was sent by a client, with all its answers; nothing is there half.
        snapshot = await reconcile(restored.settings, Ledger(answers=ledger.answers), baseline)
    assert snapshot.problems == []
    assert 0 < snapshot.stored < len(ledger.answers), "the backup was not taken while submissions went on"
