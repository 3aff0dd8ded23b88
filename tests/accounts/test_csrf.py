"""CSRF: every officer POST needs the form token matching the cookie; citizen and API paths are exempt."""

from __future__ import annotations

from tests.accounts.fixtures import HTML, PASSWORDS, csrf_token, login


async def test_login_post_without_token_is_refused(client):
    await client.get("/login", headers=HTML)
    response = await client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]}, headers=HTML)
    assert response.status_code == 403
    assert client.cookies.get("survey_session") is None


async def test_rejection_names_csrf(client):
    await client.get("/login", headers=HTML)
    response = await client.post("/login", data={"username": "admin"}, headers=HTML)
    assert response.status_code == 403 and "CSRF" in response.text


async def test_post_with_forged_or_foreign_token_is_refused(client):
    token = await csrf_token(client)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    response = await client.post("/login", data={"username": "admin", "password": PASSWORDS["admin"],
                                                 "_csrf_token": forged}, headers=HTML)
    assert response.status_code == 403


async def test_logout_without_token_is_refused_and_session_survives(client):
    await login(client, "admin")
    response = await client.post("/logout", data={}, headers=HTML)
    assert response.status_code == 403
    assert (await client.get("/officer", headers=HTML)).status_code == 200


async def test_token_in_header_is_accepted(client):
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": "admin", "password": PASSWORDS["admin"]},
        headers={**HTML, "x-csrftoken": token}, follow_redirects=False,
    )
    assert response.status_code == 303


async def test_citizen_and_api_paths_are_not_csrf_checked(client):
    for path in ("/q/anything", "/api/v1/anything"):
        response = await client.post(path, data={"x": "1"}, headers=HTML)
        assert "CSRF" not in response.text, path
        assert "survey_session" not in response.headers.get("set-cookie", "")


async def test_every_officer_form_carries_the_token(client):
    await login(client, "admin")
    page = await client.get("/officer", headers=HTML)
    forms = page.text.count("<form")
    assert forms >= 1
    assert page.text.count('name="_csrf_token"') == forms
