"""An administrator attached to a unit is confined to that unit's subtree (the review's LC admin listed and
downloaded an NB researcher's export, created a root unit, and read every unit's dossier volumes)."""

from __future__ import annotations

import pytest

from survey.accounts.services import create_officer
from survey.db.tables import DossierVolume, ExportJob, Unit
from tests.accounts.fixtures import HTML, app_client, login, post_form


@pytest.fixture
async def lc_admin(world):
    await create_officer("lcadmin", "lc-admin-pass-1", "admin", "LC")
    async with app_client(world) as client:
        from tests.accounts import fixtures

        fixtures.PASSWORDS["lcadmin"] = "lc-admin-pass-1"
        assert (await login(client, "lcadmin")).status_code == 303
        yield client


async def test_a_unit_admin_does_not_reach_another_officers_export(lc_admin):
    job = await ExportJob.insert(ExportJob(requested_by="researcher", status="done", file_name="nb.zip",
                                           params={"unit": "NB"}))
    job_id = job[0]["id"]
    listing = await lc_admin.get("/officer/exports/", headers=HTML)
    assert listing.status_code == 200 and f"/officer/exports/{job_id}" not in listing.text
    assert (await lc_admin.get(f"/officer/exports/{job_id}", headers=HTML)).status_code == 403
    assert (await lc_admin.get(f"/officer/exports/{job_id}/download", headers=HTML)).status_code == 403


async def test_a_unit_admin_cannot_create_a_root_unit(lc_admin):
    answer = await post_form(lc_admin, "/officer/admin/units",
                             {"code": "ROGUE-ROOT", "name": "Rogue", "level": "country", "parent_code": ""})
    assert answer.status_code in (303, 400)
    assert not await Unit.exists().where(Unit.code == "ROGUE-ROOT")
    inside = await post_form(lc_admin, "/officer/admin/units", {"code": "LC-002", "name": "Xã Ba", "level": "commune",
                                                                 "parent_code": "LC"})
    assert inside.status_code == 303 and await Unit.exists().where(Unit.code == "LC-002")


async def test_a_unit_admin_sees_only_its_subtrees_dossier_volumes(lc_admin):
    units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
    await DossierVolume.insert(DossierVolume(unit=units["NB-001-TT"], period="2026-11", dossiers=4321),
                               DossierVolume(unit=units["LC-001-TT"], period="2026-11", dossiers=8765))
    page = await lc_admin.get("/officer/admin/volumes", headers=HTML)
    assert page.status_code == 200
    assert "<td>LC-001-TT</td><td>8765" in page.text and "4321" not in page.text
