"""Security properties seen from outside: headers, cookie flags, CSRF, body size limits.

CSRF on each form, login throttling and session handling have their own detailed tests beside the accounts
code; here they are checked as a visitor meets them across representative pages.
"""

from __future__ import annotations

import dataclasses
from http.cookies import SimpleCookie

import pytest
from litestar.testing import AsyncTestClient

from survey.app import create_app
from survey.db.engine import bind, engine_from_settings
from survey.db.tables import Counter, Officer, Response
from survey.qr.services import counter_token
from survey.settings import Settings
from survey.units.services import import_counters
from tests.accounts.fixtures import HTML, PASSWORDS, app_client, login, post_form
from tests.support import idempotency_key

OFFICER_PAGES = ("/login", "/officer", "/officer/dashboard", "/officer/admin/users", "/officer/review",
                 "/static/officer.css")
LIMIT = 64 * 1024


def directives(csp: str) -> dict[str, set[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {words[0]: set(words[1:]) for words in parts}


@pytest.fixture
async def token(world: Settings) -> str:
    await import_counters("code,name,unit_code\nNB-001-TT-Q1,Quầy 1,NB-001-TT\n")
    counter = await Counter.select(Counter.id).first()
    return await counter_token(world.secret_key, counter["id"])


async def test_content_security_policy_on_officer_citizen_and_error_pages(world, token):
    async with app_client(world) as client:
        assert (await login(client, "admin")).status_code == 303
        for path in (*OFFICER_PAGES, f"/q/{token}", "/no-such-page", "/healthz"):
            response = await client.get(path, headers=HTML)
            policy = directives(response.headers["content-security-policy"])
            assert policy["frame-ancestors"] == {"'none'"}, path
            assert response.headers["x-frame-options"] == "DENY", path
            assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], path
            assert policy["object-src"] == {"'none'"} and policy["base-uri"] == {"'none'"}, path
            assert "strict-transport-security" not in response.headers, path
            if path in OFFICER_PAGES:
                assert response.status_code == 200, path
                assert "'unsafe-inline'" not in policy["style-src"], path
            if path.startswith(("/officer", "/login", "/q/")):
                assert response.headers["cache-control"] == "no-store", path


def set_cookies(response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        cookies.update({name: morsel for name, morsel in cookie.items()})
    return cookies


@pytest.mark.parametrize("behind_tls", [False, True])
async def test_session_and_csrf_cookies_are_httponly_samesite_and_secure_behind_tls(world, behind_tls):
    settings = dataclasses.replace(world, behind_tls=behind_tls)
    # Over https, as behind the TLS proxy: the client sends Secure cookies back only there.
    async with AsyncTestClient(app=create_app(settings), base_url="https://testserver.local") as client:
        bind(engine_from_settings(settings))
        form_page = await client.get("/login", headers=HTML)
        logged_in = await login(client, "admin")
        home = await client.get("/healthz")
    cookies = {**set_cookies(form_page), **set_cookies(logged_in)}
    assert {"survey_session", "survey_csrf"} <= set(cookies)
    for name in ("survey_session", "survey_csrf"):
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"].lower() == "lax", name
        assert bool(cookies[name]["secure"]) is behind_tls, name
    assert ("strict-transport-security" in home.headers) is behind_tls
    if behind_tls:
        assert "max-age=31536000" in home.headers["strict-transport-security"]


async def test_a_form_post_without_the_csrf_token_changes_nothing(world):
    async with app_client(world) as client:
        await login(client, "admin")
        response = await client.post("/officer/admin/users", headers=HTML, data={
            "username": "intruder", "password": "intruder-password-1", "role": "admin"})
        assert response.status_code == 403
    assert not await Officer.exists().where(Officer.username == "intruder")


async def test_after_repeated_failures_even_the_right_password_is_turned_away(world):
    async with app_client(world) as client:
        for _ in range(5):
            assert (await login(client, "admin", "not-the-password")).status_code == 401
        refused = await login(client, "admin", PASSWORDS["admin"])
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "survey_session" not in set_cookies(refused)


async def test_bodies_over_the_limit_get_413_and_store_nothing(world, token):
    assert world.max_request_body == LIMIT
    big_text = "x" * (LIMIT + 1)
    async with app_client(world) as client:
        answers = await client.post(f"/q/{token}", data={"overall_sat": "4", "comment": big_text, "nonce": "n"})
        api = await client.post("/api/v1/responses", json={
            "token": token, "answers": {"overall_sat": 4, "comment": big_text}, "idempotency_key": idempotency_key("too-big-0001")})
        login_form = await client.post("/login", data={"username": "admin", "password": big_text}, headers=HTML)
    assert [r.status_code for r in (answers, api, login_form)] == [413, 413, 413]
    assert await Response.count() == 0


@pytest.mark.parametrize("row_id", [0, 2**31, 2**63])
async def test_ids_beyond_the_database_integer_range_are_not_found(world, row_id):
    async with app_client(world) as client:
        await login(client, "admin")
        review = await post_form(client, f"/officer/review/{row_id}", {"decision": "excluded"})
        export = await client.get(f"/officer/exports/{row_id}/download", headers=HTML)
    assert review.status_code in (303, 404) and export.status_code == 404
