"""``survey users set-password`` and ``survey users list``."""

from __future__ import annotations

import asyncio

from survey.accounts.passwords import verify_password
from survey.cli import main
from survey.db.tables import AuditLog, Officer


async def test_set_password_and_list(world, monkeypatch, capsys):
    monkeypatch.setenv("NEW_PW", "from-the-command-line")
    # main() runs its own event loop; a worker thread keeps it off the test's loop.
    assert await asyncio.to_thread(main, ["users", "set-password", "nbmanager", "--password-env", "NEW_PW"]) == 0
    assert "password of nbmanager changed" in capsys.readouterr().out
    stored = await Officer.select(Officer.password_hash).where(Officer.username == "nbmanager").first()
    assert verify_password(stored["password_hash"], "from-the-command-line")
    assert await AuditLog.exists().where(AuditLog.action == "officer.password_reset", AuditLog.actor == "cli")

    assert await asyncio.to_thread(main, ["users", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split()[:4] == ["username", "role", "unit", "active"]
    rows = {line.split()[0]: line.split()[1:4] for line in listing[1:]}
    assert rows["nbmanager"] == ["manager", "NB", "yes"]
    assert rows["admin"] == ["admin", "-", "yes"]
    assert set(rows) == {"admin", "nbmanager", "lcmanager", "researcher"}


async def test_set_password_errors_exit_2(world, monkeypatch, capsys):
    monkeypatch.setenv("SHORT_PW", "short")
    monkeypatch.setenv("GOOD_PW", "long-enough-password")
    assert await asyncio.to_thread(main, ["users", "set-password", "admin", "--password-env", "SHORT_PW"]) == 2
    assert "ít nhất 10" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["users", "set-password", "ghost", "--password-env", "GOOD_PW"]) == 2
    assert "không có tài khoản 'ghost'" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["users", "set-password", "admin", "--password-env", "UNSET_PW"]) == 2
