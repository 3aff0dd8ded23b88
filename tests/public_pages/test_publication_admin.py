"""Administrators choose which provinces publish, and the minimum answers: on their screen and from the shell;
a manager cannot, a province-level choice only, the minimum never below the reports' 30."""

from __future__ import annotations

import asyncio

import pytest

from survey.cli import main
from survey.db.tables import AuditLog, Publication
from tests.accounts.fixtures import HTML, client, login, post_form, world  # noqa: F401  (fixtures)


async def settings_of(code: str) -> dict | None:
    return await Publication.select(Publication.public, Publication.min_answers).where(
        Publication.unit.code == code).first()


async def test_an_administrator_publishes_a_province_from_the_screen(client):  # noqa: F811
    assert (await client.get("/cong-khai/NB", headers=HTML)).status_code == 404
    await login(client, "admin")
    screen = await client.get("/officer/admin/public/", headers=HTML)
    assert screen.status_code == 200 and "Ninh Bình" in screen.text and "Lào Cai" in screen.text
    saved = await post_form(client, "/officer/admin/public/NB", {"public": "1", "min_answers": "45"})
    assert saved.status_code == 303
    assert await settings_of("NB") == {"public": True, "min_answers": 45}
    assert await AuditLog.exists().where((AuditLog.action == "publication.set") & (AuditLog.target == "NB"))
    client.app.state["public"].forget()
    page = await client.get("/cong-khai/NB", headers=HTML)
    assert page.status_code == 200 and "Cần ít nhất 45 phiếu" in page.text
    too_low = await post_form(client, "/officer/admin/public/NB", {"public": "1", "min_answers": "5"})
    assert too_low.status_code == 303 and await settings_of("NB") == {"public": True, "min_answers": 45}
    commune = await post_form(client, "/officer/admin/public/NB-001", {"public": "1", "min_answers": "30"})
    assert commune.status_code == 303 and await settings_of("NB-001") is None
    await post_form(client, "/officer/admin/public/NB", {"public": "0", "min_answers": "45"})
    client.app.state["public"].forget()
    assert (await client.get("/cong-khai/NB", headers=HTML)).status_code == 404


async def test_a_manager_cannot_publish(client):  # noqa: F811
    await login(client, "nbmanager")
    assert (await client.get("/officer/admin/public/", headers=HTML)).status_code == 403
    refused = await post_form(client, "/officer/admin/public/NB", {"public": "1"})
    assert refused.status_code == 403 and await settings_of("NB") is None


async def test_the_command_line_sets_and_lists(world, capsys):  # noqa: F811
    # main() runs its own event loop; a worker thread keeps it off the test's loop.
    assert await asyncio.to_thread(main, ["public", "set", "LC", "--on", "--min-answers", "60"]) == 0
    assert await settings_of("LC") == {"public": True, "min_answers": 60}
    assert await asyncio.to_thread(main, ["public", "list"]) == 0
    assert "LC\tpublic\t60" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["public", "set", "LC-001", "--on"]) == 2
    assert "not a province" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        await asyncio.to_thread(main, ["public", "set", "LC", "--on", "--min-answers", "3"])
