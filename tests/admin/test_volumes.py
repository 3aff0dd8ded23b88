"""Dossier volumes: CSV upload through the shared importer, row-numbered errors, nothing half-imported."""

from __future__ import annotations

from survey.db.tables import AuditLog, DossierVolume
from tests.accounts.fixtures import HTML, csrf_token, login


async def upload(client, text: str):
    token = await csrf_token(client, "/officer/admin/volumes")
    return await client.post(
        "/officer/admin/volumes",
        data={"_csrf_token": token},
        files={"file": ("volumes.csv", text.encode(), "text/csv")},
        headers=HTML,
        follow_redirects=False,
    )


async def test_good_file_is_imported_and_listed(client):
    await login(client, "admin")
    response = await upload(client, "unit_code,period,dossiers\nNB-001-TT,2026-07,412\nLC-001-TT,2026-07,97\n")
    assert response.status_code == 303
    rows = await DossierVolume.select(DossierVolume.dossiers, DossierVolume.unit.code).order_by(DossierVolume.dossiers)
    assert [(r["unit.code"], r["dossiers"]) for r in rows] == [("LC-001-TT", 97), ("NB-001-TT", 412)]
    page = (await client.get("/officer/admin/volumes", headers=HTML)).text
    assert "2 mới" in page and "412" in page
    assert await AuditLog.exists().where(AuditLog.action == "volumes.import", AuditLog.actor == "admin")


async def test_bad_rows_are_listed_by_number_and_nothing_is_imported(client):
    await login(client, "admin")
    malformed = await upload(client, "unit_code,period,dossiers\nNB-001-TT,2026-07,10\nLC-001-TT,2026-13,-1\n")
    assert malformed.status_code == 400
    assert "Dòng 3, cột period" in malformed.text and "Dòng 3, cột dossiers" in malformed.text
    unknown = await upload(client, "unit_code,period,dossiers\nNB-001-TT,2026-07,10\nXX,2026-07,5\n")
    assert unknown.status_code == 400
    assert "Dòng 3, cột unit_code" in unknown.text and "&#39;XX&#39;" in unknown.text
    assert await DossierVolume.count() == 0


async def test_empty_and_non_utf8_files_are_refused(client):
    await login(client, "admin")
    assert (await upload(client, "")).status_code == 400
    token = await csrf_token(client, "/officer/admin/volumes")
    latin = await client.post("/officer/admin/volumes", data={"_csrf_token": token},
                              files={"file": ("v.csv", "unit_code\nĐ".encode("cp1258"), "text/csv")}, headers=HTML)
    assert latin.status_code == 400 and "UTF-8" in latin.text


async def test_upload_without_csrf_token_is_refused(client):
    await login(client, "admin")
    response = await client.post("/officer/admin/volumes", files={"file": ("v.csv", b"unit_code,period,dossiers\n")},
                                 headers=HTML)
    assert response.status_code == 403


async def test_the_portal_count_is_imported_and_listed_beside_the_dossiers(client):
    await login(client, "admin")
    response = await upload(client, "unit_code,period,dossiers,portal_not_satisfied\n"
                                    "NB-001-TT,2026-07,412,9\nLC-001-TT,2026-07,97,\n")
    assert response.status_code == 303
    rows = await DossierVolume.select(DossierVolume.unit.code, DossierVolume.portal_not_satisfied)
    assert {r["unit.code"]: r["portal_not_satisfied"] for r in rows} == {"NB-001-TT": 9, "LC-001-TT": None}
    page = (await client.get("/officer/admin/volumes", headers=HTML)).text
    assert "<td>NB-001-TT</td><td>412</td><td>9</td>" in page
    assert "<td>LC-001-TT</td><td>97</td><td>–</td>" in page
