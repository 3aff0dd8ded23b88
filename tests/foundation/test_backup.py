"""Online backup of the SQLite database and restore: nothing acknowledged before the backup is lost."""

import sqlite3

import pytest

from survey.cli import main
from survey.db.backup import BackupError
from survey.demo import generator, loader


def count(path, table="response"):
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_backup_while_in_use_then_restore(db, tmp_path, capsys):
    data = generator.generate(seed=5, end_period="2026-09", months=2, scale=0.05)
    await loader.load(data)
    database = db.sqlite_path
    backup = tmp_path / "backup" / "survey-2026-10-01.sqlite"
    assert main(["db", "backup", str(backup)]) == 0
    assert f"backed up {len(data.responses)} responses" in capsys.readouterr().out
    answers_at_backup = count(backup, "answer")
    # Work goes on after the backup, then the database is lost and restored.
    later = generator.generate(seed=6, end_period="2026-10", months=1, scale=0.02)
    later.units = later.counters = later.procedures = later.volumes = []
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM answer WHERE id % 2 = 0")
    assert count(database, "answer") < answers_at_backup
    assert main(["db", "restore", str(backup)]) == 2
    assert "--force" in capsys.readouterr().err
    with sqlite3.connect(backup) as connection:  # a rollup out of step in the backup is recounted on restore
        connection.execute("UPDATE response_cell SET n = n + 5")
    assert main(["db", "restore", str(backup), "--force"]) == 0
    assert count(database) == len(data.responses)
    assert sqlite3.connect(database).execute("SELECT SUM(n) FROM response_cell").fetchone()[0] == len(data.responses)
    assert count(database, "answer") == answers_at_backup
    assert sqlite3.connect(database).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
async def test_backup_refuses_to_overwrite_and_restore_refuses_garbage(db, tmp_path, capsys):
    target = tmp_path / "exists.sqlite"
    target.write_text("x")
    assert main(["db", "backup", str(target)]) == 2
    assert "choose a new file name" in capsys.readouterr().err
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    assert main(["db", "restore", str(garbage), "--force"]) == 2
    assert "not a usable survey database" in capsys.readouterr().err
    with pytest.raises(BackupError, match="no backup"):
        from survey.db.backup import restore_sqlite

        restore_sqlite(tmp_path / "missing.sqlite", db.sqlite_path)


@pytest.mark.postgres
@pytest.mark.parametrize("engine_name", ["postgres"], indirect=True)
def test_postgres_backup_points_to_pg_dump(settings, capsys):
    import os

    if not os.environ.get("SURVEY_TEST_POSTGRES"):
        pytest.skip("SURVEY_TEST_POSTGRES is not set")
    assert main(["db", "backup", "x.dump"]) == 2
    assert "pg_dump" in capsys.readouterr().err
