"""An administrator attached to a province: full rights inside it, nothing outside (URLs and form fields)."""

from __future__ import annotations

import pytest

from survey.accounts.services import create_officer
from survey.db.tables import Counter, DossierVolume, Officer, Unit
from tests.accounts.fixtures import HTML, login, post_form

PASSWORD = "nb-admin-password"


@pytest.fixture
async def nbadmin(world):
    await create_officer("nbadmin", PASSWORD, "admin", "NB")


async def test_inside_the_province_everything_works(client, nbadmin, places):
    await login(client, "nbadmin", PASSWORD)
    created = await post_form(client, "/officer/admin/units",
                              {"code": "NB-002", "name": "Xã Ba", "level": "commune", "parent_code": "NB"})
    assert created.status_code == 303 and await Unit.exists().where(Unit.code == "NB-002")
    await post_form(client, "/officer/admin/users", {"username": "nbclerk", "role": "manager",
                                                      "unit_code": "NB-002", "password": "clerk-password-1"})
    assert await Officer.exists().where(Officer.username == "nbclerk")
    users = (await client.get("/officer/admin/users", headers=HTML)).text
    assert "/officer/admin/users/nbmanager/" in users
    assert "/officer/admin/users/lcmanager/" not in users and "/officer/admin/users/admin/" not in users


async def test_outside_the_province_nothing_works(client, nbadmin, places):
    await login(client, "nbadmin", PASSWORD)
    attempts = [
        ("/officer/admin/units", {"code": "LC-002", "name": "X", "level": "commune", "parent_code": "LC"}),
        ("/officer/admin/units", {"code": "TOP", "name": "X", "level": "country", "parent_code": "VN"}),
        ("/officer/admin/units/LC/rename", {"name": "Đổi"}),
        ("/officer/admin/units/LC-001/active", {"active": "0"}),
        ("/officer/admin/counters", {"code": "LC-Q9", "name": "Q", "unit_code": "LC-001-TT", "instrument_key": "sipas_qr"}),
        ("/officer/admin/counters/LC-001-TT-Q1/active", {"active": "0"}),
        ("/officer/admin/counters/LC-001-TT-Q1/instrument", {"instrument_key": "sipas_full"}),
        ("/officer/admin/users", {"username": "lcspy", "role": "manager", "unit_code": "LC", "password": "spy-password-1"}),
        ("/officer/admin/users/lcmanager/password", {"password": "taken-over-pass"}),
        ("/officer/admin/users/admin/active", {"active": "0"}),
        (f"/officer/review/{places['LC']}", {"decision": "excluded"}),
    ]
    assert (await client.get("/officer/admin/audit", headers=HTML)).status_code == 403
    assert "/officer/admin/audit" not in (await client.get("/officer", headers=HTML)).text
    for path, form in attempts:
        assert (await post_form(client, path, form)).status_code == 403, path
    await post_form(client, "/officer/admin/users", {"username": "national", "role": "admin", "password": "national-pass-1"})
    assert "phải thuộc một đơn vị" in (await client.get("/officer/admin/users", headers=HTML)).text
    assert not await Officer.exists().where(Officer.username.is_in(["lcspy", "national"]))
    assert not await Unit.exists().where(Unit.code.is_in(["LC-002", "TOP"]))
    assert (await Counter.select(Counter.active, Counter.instrument_key).where(Counter.code == "LC-001-TT-Q1").first()) == {
        "active": True, "instrument_key": "sipas_qr"}


async def test_volumes_outside_the_province_are_refused_by_row(client, nbadmin):
    from tests.admin.test_volumes import upload

    await login(client, "nbadmin", PASSWORD)
    response = await upload(client, "unit_code,period,dossiers\nNB-001-TT,2026-07,10\nLC-001-TT,2026-07,5\n")
    assert response.status_code == 400
    assert "Dòng 3, cột unit_code" in response.text and "ngoài phạm vi" in response.text
    assert await DossierVolume.count() == 0
