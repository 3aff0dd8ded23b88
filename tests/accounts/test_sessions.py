"""Sessions: kept in the database (restart, several workers), rotated at login, idle and absolute expiry."""

from __future__ import annotations

import asyncio

import pytest

from survey.db.tables import KeyValue
from survey.settings import load_settings
from tests.accounts.fixtures import HTML, app_client, csrf_token, login, replace_session_cookie


async def session_rows() -> int:
    return await KeyValue.count().where(KeyValue.key.like("sessions:%"))


async def test_session_survives_a_restart_and_works_on_another_worker(world):
    async with app_client(world) as first:
        await login(first, "admin")
        cookies = dict(first.cookies)
    async with app_client(world) as restarted:
        restarted.cookies.update(cookies)
        page = await restarted.get("/officer", headers=HTML)
        assert page.status_code == 200 and "Quản trị viên" in page.text


async def test_session_id_changes_at_login(client):
    await login(client, "admin")
    before = client.cookies.get("survey_session")
    await login(client, "nbmanager")
    after = client.cookies.get("survey_session")
    assert before and after and before != after
    replace_session_cookie(client, before)
    assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303
    assert await session_rows() == 1


async def test_an_id_the_server_did_not_issue_is_not_adopted(client):
    planted = "a" * 64
    replace_session_cookie(client, planted)
    await login(client, "admin")
    assert client.cookies.get("survey_session") != planted


async def test_anonymous_visits_store_no_session(client):
    await client.get("/login", headers=HTML)
    await client.get("/officer", headers=HTML)
    await login(client, "admin", "wrong-password-x")
    assert await session_rows() == 0


async def test_reading_pages_does_not_rewrite_the_session_each_time(client):
    await login(client, "admin")
    before = await KeyValue.select(KeyValue.id, KeyValue.expires_at).where(KeyValue.key.like("sessions:%")).first()
    for _ in range(3):
        assert (await client.get("/officer", headers=HTML)).status_code == 200
    after = await KeyValue.select(KeyValue.id, KeyValue.expires_at).where(KeyValue.key.like("sessions:%")).first()
    assert after == before


@pytest.fixture
def short_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_SESSION_IDLE_SECONDS", "1")
    monkeypatch.setenv("SURVEY_SESSION_MAX_SECONDS", "60")


async def test_idle_session_expires(world, short_idle):
    async with app_client(load_settings()) as client:
        await login(client, "admin")
        assert (await client.get("/officer", headers=HTML)).status_code == 200
        await asyncio.sleep(1.3)
        assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303


async def test_activity_keeps_a_session_alive_until_the_absolute_limit(world, monkeypatch):
    monkeypatch.setenv("SURVEY_SESSION_IDLE_SECONDS", "1")
    monkeypatch.setenv("SURVEY_SESSION_MAX_SECONDS", "2")
    async with app_client(load_settings()) as client:
        await login(client, "admin")
        for _ in range(3):
            await asyncio.sleep(0.5)
            assert (await client.get("/officer", headers=HTML)).status_code == 200
        await asyncio.sleep(0.7)  # 2.2 s after login, never idle for more than 0.7 s
        assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303


async def test_csrf_token_is_stable_within_a_client(client):
    first = await csrf_token(client)
    second = await csrf_token(client)
    assert first == second


async def test_the_store_holds_a_keyed_hash_of_the_session_id_not_the_id(client):
    """A copy of the database (backup, a file another local user could read) must not hand over a session."""
    from survey.db.tables import KeyValue

    assert (await login(client, "admin")).status_code == 303
    session_id = client.cookies.get("survey_session")
    assert session_id
    keys = [row["key"] for row in await KeyValue.select(KeyValue.key).where(KeyValue.key.like("sessions:%"))]
    assert len(keys) == 1
    assert session_id not in keys[0]
    stolen = keys[0].split(":", 1)[1]
    replace_session_cookie(client, stolen)  # the attacker puts the stored key in a cookie
    assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code in (302, 303, 401)


async def test_deactivating_an_officer_ends_their_sessions_for_good(world):
    """They used to be refused only while inactive, and worked again after reactivation."""
    from tests.accounts.fixtures import post_form

    async with app_client(world) as manager, app_client(world) as admin:
        assert (await login(manager, "nbmanager")).status_code == 303
        assert (await login(admin, "admin")).status_code == 303
        for value in ("0", "1"):
            done = await post_form(admin, "/officer/admin/users/nbmanager/active", {"active": value},
                                   page="/officer/admin/users")
            assert done.status_code == 303
        again = await manager.get("/officer", headers=HTML, follow_redirects=False)
        assert again.status_code in (302, 303) and "/login" in again.headers["location"]
