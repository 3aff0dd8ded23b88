"""The ``survey`` command: help everywhere, clear errors, working sub-commands."""

import subprocess
import sys

import pytest

from survey.cli import build_parser, main

COMMANDS = [[], ["serve"], ["demo"], ["db"], ["db", "upgrade"], ["users"], ["users", "create"],
            ["units", "import"], ["volumes", "import"], ["counters", "import"], ["procedures", "import"]]


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "survey")
def test_help_everywhere(words, capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*words, "--help"])
    assert exited.value.code == 0
    assert "usage: survey" in capsys.readouterr().out


def test_console_script_runs():
    done = subprocess.run([sys.executable, "-m", "survey.cli", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "demo" in done.stdout


def test_import_errors_exit_2_with_row_numbers(settings, tmp_path, capsys):
    bad = tmp_path / "units.csv"
    bad.write_text("code,name,level,parent_code\nA,Tỉnh A,province,\nB,,commune,A\n", encoding="utf-8")
    assert main(["units", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "dòng 3, cột name" in err and "chưa nhập dòng nào" in err
    assert "Traceback" not in err
    assert main(["units", "import", str(tmp_path / "missing.csv")]) == 2
    assert "không phải là tệp đọc được" in capsys.readouterr().err


def test_users_create_from_the_command_line(settings, tmp_path, monkeypatch, capsys):
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\nNB,Tỉnh Ninh Bình,province,\n", encoding="utf-8")
    assert main(["units", "import", str(units)]) == 0
    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-password")
    assert main(["users", "create", "thu.nguyen", "--role", "manager", "--unit", "NB", "--password-env", "NEW_PASSWORD"]) == 0
    assert "created manager thu.nguyen" in capsys.readouterr().out
    assert main(["users", "create", "thu.nguyen", "--role", "manager", "--unit", "NB", "--password-env", "NEW_PASSWORD"]) == 2
    assert "đã có người dùng" in capsys.readouterr().err
    assert main(["users", "create", "other", "--role", "manager", "--password-env", "NEW_PASSWORD"]) == 2
    assert "cần --unit" in capsys.readouterr().err
    monkeypatch.setenv("NEW_PASSWORD", "short")
    assert main(["users", "create", "third", "--role", "admin", "--password-env", "NEW_PASSWORD"]) == 2
    assert "ít nhất 10 ký tự" in capsys.readouterr().err


def read_only_commands(tmp_path):
    return [
        ["report", "--scope", "VN", "--period", "2026-07", "--out", str(tmp_path / "r.pdf")],
        ["export", "--scope", "VN", "--period", "2026-07", "--out", str(tmp_path / "e")],
        ["users", "list"], ["apikeys", "list"], ["qr", "keys", "list"],
        ["qr", "poster", "--unit", "VN", "--out", str(tmp_path / "p.pdf")],
    ]


def test_read_only_commands_do_not_create_a_database(settings, tmp_path, capsys):
    """report, export, users list, apikeys list, qr keys list and qr poster never migrate: a missing or
    empty database is refused with the command to run."""
    for words in read_only_commands(tmp_path):
        assert main(words) == 2, words
        assert "survey db upgrade" in capsys.readouterr().err
    if settings.engine == "sqlite":
        assert not settings.sqlite_path.exists()


def test_read_only_commands_leave_an_outdated_schema_as_it_is(settings, tmp_path, capsys):
    import asyncio

    from piccolo.apps.migrations.tables import Migration

    from survey.db.engine import bind, engine_from_settings
    from survey.db.migrate import pending_migrations, upgrade

    async def one_migration_behind() -> list[str]:
        bind(engine_from_settings(settings))
        await upgrade()
        last = await Migration.select(Migration.name).order_by(Migration.id, ascending=False).first()
        await Migration.delete().where(Migration.name == last["name"])
        return await pending_migrations()

    pending = asyncio.run(one_migration_behind())
    assert len(pending) == 1
    for words in read_only_commands(tmp_path):
        assert main(words) == 2, words
        assert "1 migration(s) pending" in capsys.readouterr().err
    assert asyncio.run(pending_migrations()) == pending


def test_a_write_command_migrates_a_fresh_database(settings, tmp_path, capsys):
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\nNB,Tỉnh Ninh Bình,province,\n", encoding="utf-8")
    assert main(["units", "import", str(units)]) == 0
    assert main(["users", "list"]) == 0


def test_an_expected_failure_is_one_line_and_a_bug_keeps_its_traceback(settings, tmp_path):
    """``qr poster`` for a unit that does not exist is the user's mistake; a failing service is a bug."""
    run = [sys.executable, "-m", "survey.cli"]
    assert subprocess.run([*run, "db", "upgrade"], capture_output=True, text=True, timeout=120).returncode == 0
    expected = subprocess.run([*run, "qr", "poster", "--unit", "NOPE", "--out", str(tmp_path / "p.pdf")],
                              capture_output=True, text=True, timeout=120)
    assert (expected.returncode, expected.stderr) == (2, "survey qr: unknown unit 'NOPE'\n")
    # A bug: the report service fails with a ValueError that the command did not declare as the user's.
    bug = subprocess.run([sys.executable, "-c", (
        "import sys\n"
        "from survey import cli\n"
        "from survey.reports import services\n"
        "async def broken(*args, **kwargs):\n"
        "    raise ValueError('a bug, not bad input')\n"
        "services.build_report = broken\n"
        "sys.exit(cli.main(['report', '--scope', 'VN', '--period', '2026-07', '--out', sys.argv[1]]))\n"
    ), str(tmp_path / "r.pdf")], capture_output=True, text=True, timeout=120)
    assert bug.returncode == 1
    assert "Traceback" in bug.stderr and "ValueError: a bug, not bad input" in bug.stderr


def test_importing_the_piccolo_configuration_writes_nothing(tmp_path):
    data = tmp_path / "fresh"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("SURVEY_", "DATABASE_URL"))}
    env["SURVEY_DATA_DIR"] = str(data)
    done = subprocess.run([sys.executable, "-c", "import survey.piccolo_conf, survey.db.engine, survey.cli"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not data.exists() and list(tmp_path.iterdir()) == []
