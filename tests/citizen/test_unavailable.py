"""When the database is busy or gone: 503 with Retry-After, nothing stored, and the answers kept."""

from __future__ import annotations

import dataclasses
import re
import sqlite3

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.postgres import PostgresEngine

from survey.app import create_app
from survey.db.engine import bind, engine_from_settings
from survey.db.tables import Response
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of
from tests.support import idempotency_key

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_a_locked_sqlite_database_gives_503_with_the_form_and_answers_kept(place):
    impatient = dataclasses.replace(place.settings, sqlite_busy_timeout_s=0.2)
    async with AsyncTestClient(app=create_app(impatient)) as client:
        bind(engine_from_settings(impatient))
        token = await counter_token(place, "NB-001-TT-Q1")
        page = await client.get(f"/q/{token}")
        form = {**GOOD_ANSWERS, "nonce": nonce_of(page.text)}
        holder = sqlite3.connect(str(impatient.sqlite_path))
        try:
            holder.execute("BEGIN EXCLUSIVE")
            busy = await client.post(f"/q/{token}", data=form)
        finally:
            holder.rollback()
            holder.close()
        assert busy.status_code == 503
        assert busy.headers["retry-after"].isdigit()
        assert "Hệ thống đang bận" in busy.text and "Gửi lại" in busy.text
        assert 'name="access_sat" value="5" checked' in busy.text and "Cán bộ nhiệt tình</textarea>" in busy.text
        assert nonce_of(busy.text) == form["nonce"]
        assert await Response.count() == 0
        again = await client.post(f"/q/{token}", data=form)
        assert again.status_code == 200 and await Response.count() == 1


async def test_a_database_that_went_away_gives_503_and_a_page_that_can_send_the_answers_again(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}")
    form = {**GOOD_ANSWERS, "nonce": nonce_of(page.text)}
    # A server nobody listens on: every query fails to connect, as when PostgreSQL is stopped.
    bind(PostgresEngine(config={"host": "127.0.0.1", "port": 1, "database": "none", "user": "nobody"}))
    busy = await client.post(f"/q/{token}", data=form)
    api = await client.post("/api/v1/responses", json={"token": token, "answers": {"overall_sat": 4},
                                                       "idempotency_key": idempotency_key("kiosk-key-0001")})
    shown = await client.get(f"/q/{token}")
    bind(engine_from_settings(place.settings))
    assert busy.status_code == 503 and busy.headers["retry-after"].isdigit()
    kept = dict(HIDDEN.findall(busy.text))
    assert kept == {name: value for name, value in form.items()}
    assert api.status_code == 503 and api.headers["retry-after"].isdigit() and api.json()["status"] == 503
    assert shown.status_code == 503
    assert await Response.count() == 0
    resent = await client.post(f"/q/{token}", data=kept)
    assert resent.status_code == 200 and await Response.count() == 1
