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
    assert "row 3, column name" in err and "nothing was imported" in err
    assert "Traceback" not in err
    assert main(["units", "import", str(tmp_path / "missing.csv")]) == 2
    assert "not a readable file" in capsys.readouterr().err


def test_users_create_from_the_command_line(settings, tmp_path, monkeypatch, capsys):
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent_code\nNB,Tỉnh Ninh Bình,province,\n", encoding="utf-8")
    assert main(["units", "import", str(units)]) == 0
    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-password")
    assert main(["users", "create", "thu.nguyen", "--role", "manager", "--unit", "NB", "--password-env", "NEW_PASSWORD"]) == 0
    assert "created manager thu.nguyen" in capsys.readouterr().out
    assert main(["users", "create", "thu.nguyen", "--role", "manager", "--unit", "NB", "--password-env", "NEW_PASSWORD"]) == 2
    assert "is taken" in capsys.readouterr().err
    assert main(["users", "create", "other", "--role", "manager", "--password-env", "NEW_PASSWORD"]) == 2
    assert "needs --unit" in capsys.readouterr().err
    monkeypatch.setenv("NEW_PASSWORD", "short")
    assert main(["users", "create", "third", "--role", "admin", "--password-env", "NEW_PASSWORD"]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
