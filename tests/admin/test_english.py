"""The second language: a deployment with SURVEY_LANGUAGE=en shows the officer pages in English, from the same
templates and catalogs (and the Vietnamese deployment shows none of those English words)."""

from __future__ import annotations

from dataclasses import replace

from tests.accounts.fixtures import HTML, app_client, login, post_form


async def test_an_english_deployment_speaks_english(world, places):
    async with app_client(replace(world, language="en")) as client:
        await login(client, "admin")
        units = (await client.get("/officer/admin/units", headers=HTML)).text
        assert '<html lang="en">' in units and "<h1>Units</h1>" in units and "Commune/ward" in units
        assert "Find a unit by code or name" in units and "Đơn vị" not in units
        review = (await client.get("/officer/review", headers=HTML)).text
        assert "2 flagged responses wait for a decision." in review and "Valid" in review
        await post_form(client, "/officer/admin/units", {"code": "bad code!", "name": "X", "level": "commune",
                                                         "parent_code": "VN"})
        refused = (await client.get("/officer/admin/units", headers=HTML)).text
        assert "Unit code: must be 1-64 letters" in refused


async def test_the_vietnamese_deployment_shows_no_english_labels(client, places):
    await login(client, "admin")
    for url in ("/officer/admin/units", "/officer/admin/counters", "/officer/admin/users", "/officer/review",
                "/officer/admin/audit"):
        page = (await client.get(url, headers=HTML)).text
        for english in ("commune", "manager", "Units", "Counters", "Search", "Page ", "unit.create", "Log out"):
            visible = page.replace('value="commune"', "").replace('value="manager"', "")
            assert f">{english}<" not in visible and f"> {english}" not in visible, (url, english)
