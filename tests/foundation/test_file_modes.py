"""Data files are the server's own: the database, its WAL, keys and backups 0600, folders 0700 (the review
found them 0644, holding session ids, and took over an admin session from a copy)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_command_creates_private_files_and_folders(tmp_path: Path):
    data = tmp_path / "data"
    env = {**os.environ, "SURVEY_DATA_DIR": str(data), "DATABASE_URL": "", "SURVEY_SECRET_KEY": ""}
    env.pop("DATABASE_URL")
    env.pop("SURVEY_SECRET_KEY")
    backups = tmp_path / "backups"
    for command in (["db", "upgrade"], ["db", "backup", str(backups / "b.sqlite")]):
        run = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from survey.cli import main;"
                              f" sys.exit(main({command!r}))"], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    assert _mode(data) == 0o700
    files = [p for p in data.iterdir() if p.is_file()]
    assert files and {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert _mode(backups / "b.sqlite") == 0o600 and _mode(backups) == 0o700


def test_an_existing_data_folder_is_made_private(tmp_path: Path, monkeypatch):
    from survey.settings import load_settings

    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    (data / "survey.sqlite").write_bytes(b"")
    (data / "survey.sqlite").chmod(0o644)
    monkeypatch.setenv("SURVEY_DATA_DIR", str(data))
    monkeypatch.setenv("SURVEY_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    load_settings()
    assert _mode(data) == 0o700 and _mode(data / "survey.sqlite") == 0o600
