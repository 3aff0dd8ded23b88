"""Login and logout over HTTP: outcomes, messages, audit entries, password rehashing."""

from __future__ import annotations

from argon2 import PasswordHasher

from survey.accounts.passwords import verify_password
from survey.db.tables import AuditLog, Officer
from tests.accounts.fixtures import HTML, PASSWORDS, app_client, login, post_form, replace_session_cookie


async def audit_actions() -> list[tuple[str, str, str]]:
    rows = await AuditLog.select(AuditLog.action, AuditLog.actor, AuditLog.target).order_by(AuditLog.id)
    return [(r["action"], r["actor"], r["target"]) for r in rows]


async def test_anonymous_page_redirects_to_login_and_api_gets_401(client):
    page = await client.get("/officer", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fofficer"
    json = await client.get("/officer", headers={"accept": "application/json"}, follow_redirects=False)
    assert json.status_code == 401
    assert json.json()["status"] == 401


async def test_login_success_lands_on_officer_home_and_is_audited(client):
    response = await login(client, "nbmanager")
    assert response.status_code == 303
    assert response.headers["location"] == "/officer"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("survey_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    home = await client.get("/officer", headers=HTML)
    assert home.status_code == 200
    assert "Lãnh đạo Ninh Bình" in home.text and "NB" in home.text
    assert ("login.success", "nbmanager", "nbmanager") in await audit_actions()


async def test_login_follows_a_local_next_but_never_an_outside_one(client):
    token_page = await client.get("/login?next=/officer/admin/units", headers=HTML)
    assert 'value="/officer/admin/units"' in token_page.text
    response = await post_form(client, "/login", {"username": "admin", "password": PASSWORDS["admin"],
                                                 "next": "/officer/admin/units"}, page="/login")
    assert response.headers["location"] == "/officer/admin/units"
    await post_form(client, "/logout", {})
    for evil in ("https://evil.example/", "//evil.example/officer", "/officer\\..\\x"):
        response = await post_form(client, "/login", {"username": "admin", "password": PASSWORDS["admin"],
                                                     "next": evil}, page="/login")
        assert response.headers["location"] == "/officer", evil
        await post_form(client, "/logout", {})


async def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    unknown = await login(client, "nobody", "whatever-password")
    wrong = await login(client, "admin", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in unknown.text
    assert unknown.text == wrong.text
    actions = await audit_actions()
    assert ("login.failure", "anonymous", "(unknown)") in actions
    assert ("login.failure", "anonymous", "admin") in actions
    assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303


async def test_deactivated_officer_cannot_log_in(client):
    await Officer.update({Officer.active: False}).where(Officer.username == "researcher")
    assert (await login(client, "researcher")).status_code == 401


async def test_logout_ends_the_session_even_for_a_replayed_cookie(client):
    await login(client, "admin")
    session_id = client.cookies.get("survey_session")
    assert session_id
    response = await post_form(client, "/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert ("logout", "admin", "admin") in await audit_actions()
    replace_session_cookie(client, session_id)
    replay = await client.get("/officer", headers=HTML, follow_redirects=False)
    assert replay.status_code == 303


async def test_outdated_hash_is_replaced_at_login(client):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORDS["researcher"])
    await Officer.update({Officer.password_hash: weak}).where(Officer.username == "researcher")
    assert (await login(client, "researcher")).status_code == 303
    stored = await Officer.select(Officer.password_hash).where(Officer.username == "researcher").first()
    assert stored["password_hash"] != weak
    assert "m=8192" not in stored["password_hash"]
    assert verify_password(stored["password_hash"], PASSWORDS["researcher"])
    # The session stays valid after the rehash: it was started with the new hash's fingerprint.
    assert (await client.get("/officer", headers=HTML)).status_code == 200


async def test_password_change_ends_existing_sessions(client):
    await login(client, "lcmanager")
    assert (await client.get("/officer", headers=HTML)).status_code == 200
    await Officer.update({Officer.password_hash: "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaA"}).where(
        Officer.username == "lcmanager"
    )
    assert (await client.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303


async def test_cookies_are_secure_behind_tls(world):
    from dataclasses import replace

    async with app_client(replace(world, behind_tls=True), "https://testserver.local") as client:
        response = await login(client, "admin")
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("survey_session="))
        assert "Secure" in session and "HttpOnly" in session
    async with app_client(replace(world, behind_tls=True), "https://testserver.local") as client:
        page = await client.get("/login", headers=HTML)
        csrf = next(c for c in page.headers.get_list("set-cookie") if c.startswith("survey_csrf="))
        assert "Secure" in csrf and "HttpOnly" in csrf and "SameSite=lax" in csrf
