"""``survey db upgrade|backup|restore``."""

from __future__ import annotations

import argparse
from pathlib import Path

from survey.db.backup import BackupError, backup_sqlite, restore_sqlite
from survey.db.runner import run_with_database
from survey.settings import Settings


def upgrade_command(_args: argparse.Namespace, settings: Settings) -> None:
    async def done() -> None:
        print(f"database schema is up to date ({settings.engine})")

    run_with_database(done, settings, migrate=True)


def sqlite_path(settings: Settings) -> Path:
    if settings.engine != "sqlite":
        raise BackupError("this database is PostgreSQL: use pg_dump --format=custom and pg_restore (see README)")
    return settings.sqlite_path


def backup_command(args: argparse.Namespace, settings: Settings) -> None:
    count = backup_sqlite(sqlite_path(settings), Path(args.file))
    print(f"backed up {count} responses to {args.file}")


def restore_command(args: argparse.Namespace, settings: Settings) -> None:
    target = sqlite_path(settings)
    if target.exists() and not args.force:
        raise BackupError(f"{target} exists; stop the server and pass --force to replace it")
    count = restore_sqlite(Path(args.file), target, settings.timezone)
    print(f"restored {count} responses into {target}; the reports' rollup recounted from them")


def register(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="apply pending migrations", description="Apply pending schema migrations.")
    upgrade.set_defaults(handler=upgrade_command)
    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database while it is in use",
        description="Write a consistent copy of the SQLite database to FILE while the server keeps running.",
    )
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(handler=backup_command)
    restore = sub.add_parser(
        "restore",
        help="replace the SQLite database with a backup",
        description="Replace the SQLite database with FILE (a backup made by `survey db backup`). "
        "Stop the server first.",
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--force", action="store_true", help="replace an existing database")
    restore.set_defaults(handler=restore_command)
