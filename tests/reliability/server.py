"""A real ``survey serve`` process on a fresh database holding the demo's units and counters.

Used by the crash, shutdown and fuzz tests and by ``benchmarks/load.py``: everything goes through the
command a deployment runs, so what is measured or broken here is what production would see.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from survey.settings import Settings

SECRET_KEY = "reliability-harness-secret-" + "k" * 24
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Deployment:
    """Where one server keeps its data, and the environment every process of it runs with."""

    data_dir: Path
    database_url: str
    port: int
    log_level: str = "WARNING"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SURVEY_DATA_DIR": str(self.data_dir),
            "SURVEY_SECRET_KEY": SECRET_KEY,
            "SURVEY_BASE_URL": self.base_url,
            "SURVEY_LOG_FORMAT": "json",
            "SURVEY_LOG_LEVEL": self.log_level,
            # Every simulated citizen comes from 127.0.0.1: no per-address limit on survey pages.
            "SURVEY_FORM_PAGES_PER_ADDRESS": "1000000000",
        }

    @property
    def settings(self) -> Settings:
        """The same settings the server reads, for checking its database from this process."""
        return Settings(data_dir=self.data_dir, database_url=self.database_url, secret_key=SECRET_KEY,
                        base_url=self.base_url, log_format="text")


async def _postgres_admin(server_url: str, sql: str) -> None:
    import asyncpg

    from survey.db.engine import postgres_config

    connection = await asyncpg.connect(**postgres_config(server_url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(engine: str, data_dir: Path, postgres_url: str = DEFAULT_POSTGRES) -> AsyncIterator[str]:
    """The URL of an empty database for one run; a PostgreSQL one is created for it and dropped after."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        yield f"sqlite:///{data_dir / 'survey.sqlite'}"
        return
    from survey.db.engine import postgres_config

    name = f"survey_reliability_{uuid.uuid4().hex[:12]}"
    await _postgres_admin(postgres_url, f'CREATE DATABASE "{name}"')
    config = postgres_config(postgres_url)
    try:
        yield f"postgresql://{config['user']}@{config['host']}:{config['port']}/{name}"
    finally:
        await _postgres_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_demo(deployment: Deployment, scale: float = 0.1) -> None:
    """The demo's units, counters, officers and one month of responses, through ``survey demo``."""
    subprocess.run(
        [sys.executable, "-m", "survey.cli", "demo", "--no-serve", "--months", "1", "--scale", str(scale)],
        env=deployment.env, check=True, stdout=subprocess.DEVNULL,
    )


class LiveServer:
    """One ``survey serve`` process that can be started, killed and restarted on the same port."""

    def __init__(self, deployment: Deployment, log_path: Path, workers: int = 1) -> None:
        self.deployment = deployment
        self.log_path = log_path
        self.workers = workers
        self.process: subprocess.Popen | None = None

    async def start(self, timeout_s: float = 60.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115  (the process writes to it until stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "survey.cli", "serve", "--port", str(self.deployment.port),
             "--workers", str(self.workers)],
            env=self.deployment.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        await self.wait_healthy(timeout_s)

    async def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"survey serve exited; see {self.log_path}")
                try:
                    if (await client.get(f"{self.deployment.base_url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"survey serve was not healthy within {timeout_s} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing; what a power cut or the OOM killer does to the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout_s: float = 30.0) -> int:
        """SIGTERM and wait for the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.terminate(timeout_s=20)
            except subprocess.TimeoutExpired:
                self.kill()


async def counter_tokens(settings: Settings) -> list[str]:
    """The signed token of every active counter, as printed on its poster."""
    from survey.db.engine import bind, engine_from_settings
    from survey.db.tables import Counter
    from survey.qr.services import counter_token

    bind(engine_from_settings(settings))
    rows = await Counter.select(Counter.id).where(Counter.active.eq(True))
    return [await counter_token(settings.secret_key, row["id"]) for row in rows]
