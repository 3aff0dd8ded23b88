"""A read-only database or a full disk: 503 with Retry-After, the form keeps the answers, /healthz says so.

Both are made real: the SQLite file sits on its own small filesystem (tmpfs), remounted read-only or filled to
the last byte. Mounting needs root (CI runs the tests as root); elsewhere the tests skip.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from survey.app import create_app
from survey.db.engine import bind, engine_from_settings
from survey.db.tables import Response
from tests.citizen.conftest import GOOD_ANSWERS, Place, counter_token, nonce_of

pytestmark = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextlib.contextmanager
def small_filesystem(folder: Path, size_kib: int) -> Iterator[Path]:
    folder.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(folder))
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("mounting a filesystem needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def database_on(place: Place, folder: Path) -> Iterator[object]:
    """The test's database moved onto ``folder``; the settings that point at it."""
    source = place.settings.sqlite_path
    target = folder / "survey.sqlite"
    with sqlite3.connect(str(source)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(source, target)
    moved = dataclasses.replace(place.settings, database_url=f"sqlite:///{target}", sqlite_busy_timeout_s=0.2)
    yield moved
    bind(engine_from_settings(place.settings))


def _fill(folder: Path) -> Path:
    """Write zeros into ``folder`` until its filesystem has no byte left."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        for block in (65536, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * block)
    return filler


async def _submit_in_trouble(place: Place, folder: Path, trouble, relief) -> None:
    with database_on(place, folder) as moved:
        async with AsyncTestClient(app=create_app(moved)) as client:
            bind(engine_from_settings(moved))
            token = await counter_token(place, "NB-001-TT-Q1")
            page = await client.get(f"/q/{token}")
            assert (await client.get("/healthz")).json()["status"] == "ok"
            form = {**GOOD_ANSWERS, "nonce": nonce_of(page.text)}
            trouble()
            try:
                refused = await client.post(f"/q/{token}", data=form)
                api = await client.post("/api/v1/responses", json={
                    "token": token, "answers": {"overall_sat": 4}, "idempotency_key": os.urandom(16).hex()})
                health = await client.get("/healthz")
            finally:
                relief()
            assert refused.status_code == 503, refused.text[:300]
            assert refused.headers["retry-after"].isdigit()
            assert "Hệ thống đang bận" in refused.text
            # The form comes back filled in, with its nonce: sending it again stores the answers once.
            assert 'name="access_sat" value="5" checked' in refused.text
            assert "Cán bộ nhiệt tình</textarea>" in refused.text and nonce_of(refused.text) == form["nonce"]
            assert api.status_code == 503 and api.headers["retry-after"].isdigit()
            assert health.status_code == 503, health.text
            assert health.json()["status"] == "unavailable" and health.json()["problem"]
            resent = await client.post(f"/q/{token}", data=form)
            assert resent.status_code == 200
            assert await Response.count() == 1
            assert (await client.get("/healthz")).json()["status"] == "ok"


async def test_a_read_only_database_gives_503_keeps_the_answers_and_fails_the_health_check(place, tmp_path):
    with small_filesystem(tmp_path / "ro", 8192) as folder:
        await _submit_in_trouble(
            place, folder,
            trouble=lambda: _mount("-o", "remount,ro", str(folder)),
            relief=lambda: _mount("-o", "remount,rw", str(folder)),
        )


async def test_a_full_disk_gives_503_keeps_the_answers_and_fails_the_health_check(place, tmp_path):
    with small_filesystem(tmp_path / "full", 8192) as folder:
        filler: list[Path] = []
        await _submit_in_trouble(
            place, folder,
            trouble=lambda: filler.append(_fill(folder)),
            relief=lambda: filler[0].unlink(),
        )
