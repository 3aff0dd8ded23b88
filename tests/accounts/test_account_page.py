"""/officer/account: an officer sets the address digests go to and opts out of them; a bad address is refused
with a message in Vietnamese; nobody changes another officer's settings through it."""

from __future__ import annotations

from survey.db.tables import AuditLog, Officer
from tests.accounts.fixtures import HTML, login, post_form


async def settings_of(username: str) -> dict:
    return await Officer.select(Officer.email, Officer.digests).where(Officer.username == username).first()


async def test_manager_sets_address_and_opts_out(client):
    assert (await settings_of("nbmanager")) == {"email": "", "digests": True}  # receiving is the default
    await login(client, "nbmanager")
    page = await client.get("/officer/account", headers=HTML)
    assert page.status_code == 200 and 'name="digests" value="1" checked' in page.text
    saved = await post_form(client, "/officer/account", {"email": "lanhdao@ninhbinh.gov.vn", "digests": "1",
                                                         "username": "lcmanager"}, page="/officer/account")
    assert saved.status_code == 303
    assert (await settings_of("nbmanager")) == {"email": "lanhdao@ninhbinh.gov.vn", "digests": True}
    assert (await settings_of("lcmanager"))["email"] == ""  # a posted username changes nothing
    await post_form(client, "/officer/account", {"email": "lanhdao@ninhbinh.gov.vn"}, page="/officer/account")
    assert (await settings_of("nbmanager"))["digests"] is False  # the box unticked: opted out
    page = await client.get("/officer/account", headers=HTML)
    assert 'name="digests" value="1">' in page.text and "Đã lưu" in page.text
    assert await AuditLog.count().where(AuditLog.action == "account.mail", AuditLog.actor == "nbmanager") == 2


async def test_bad_address_is_refused_in_vietnamese(client):
    await login(client, "nbmanager")
    await post_form(client, "/officer/account", {"email": "not an address", "digests": "1"}, page="/officer/account")
    page = await client.get("/officer/account", headers=HTML)
    assert "Địa chỉ thư không hợp lệ" in page.text
    assert (await settings_of("nbmanager"))["email"] == ""


async def test_form_without_csrf_token_is_refused(client):
    await login(client, "nbmanager")
    refused = await client.post("/officer/account", data={"email": "x@y.vn"}, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403
    assert (await settings_of("nbmanager"))["email"] == ""
