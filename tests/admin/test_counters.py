"""Counters: scoped lists, creation, instrument assignment, deactivation; unit codes from URLs are checked."""

from __future__ import annotations

from survey.db.tables import AuditLog, Counter
from tests.accounts.fixtures import HTML, login, post_form


async def counter(code: str) -> dict | None:
    return await Counter.select().where(Counter.code == code).first()


async def test_manager_lists_own_counters_and_cannot_name_another_province(client, places):
    await login(client, "nbmanager")
    page = (await client.get("/officer/admin/counters", headers=HTML)).text
    assert "NB-001-TT-Q1" in page and "LC-001-TT-Q1" not in page
    assert (await client.get("/officer/admin/counters?unit=LC", headers=HTML)).status_code == 403
    assert (await client.get("/officer/admin/counters?unit=VN", headers=HTML)).status_code == 403
    assert (await client.get("/officer/admin/counters?unit=ZZ", headers=HTML)).status_code == 404
    filtered = await client.get("/officer/admin/counters?unit=NB-001", headers=HTML)
    assert filtered.status_code == 200 and "NB-001-TT-Q1" in filtered.text


async def test_admin_creates_assigns_and_deactivates(client, places):
    await login(client, "admin")
    await post_form(client, "/officer/admin/counters",
                    {"code": "LC-001-TT-Q2", "name": "Quầy 2", "unit_code": "LC-001-TT", "instrument_key": "sipas_full"})
    created = await counter("LC-001-TT-Q2")
    assert created["instrument_key"] == "sipas_full" and created["active"] is True
    await post_form(client, "/officer/admin/counters/LC-001-TT-Q2/instrument", {"instrument_key": "sipas_qr"})
    assert (await counter("LC-001-TT-Q2"))["instrument_key"] == "sipas_qr"
    assert (await client.get("/officer/admin/counters/LC-001-TT-Q2/close", headers=HTML)).status_code == 200
    await post_form(client, "/officer/admin/counters/LC-001-TT-Q2/active", {"active": "0"})
    assert (await counter("LC-001-TT-Q2"))["active"] is True  # not without the confirmation page's form
    await post_form(client, "/officer/admin/counters/LC-001-TT-Q2/active", {"active": "0", "confirm": "1"})
    assert (await counter("LC-001-TT-Q2"))["active"] is False
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).where(AuditLog.target == "LC-001-TT-Q2")]
    assert actions == ["counter.create", "counter.instrument", "counter.deactivate"]


async def test_unknown_instrument_is_refused(client, places):
    await login(client, "admin")
    await post_form(client, "/officer/admin/counters/NB-001-TT-Q1/instrument", {"instrument_key": "made_up"})
    page = (await client.get("/officer/admin/counters", headers=HTML)).text
    assert "made_up" in page and "không có" in page
    assert (await counter("NB-001-TT-Q1"))["instrument_key"] == "sipas_qr"
    assert (await post_form(client, "/officer/admin/counters/NOPE/instrument", {"instrument_key": "sipas_qr"})).status_code == 404
