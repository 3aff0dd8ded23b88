"""``survey db upgrade``."""

from __future__ import annotations

import argparse


def upgrade_command(_args: argparse.Namespace) -> None:
    from survey.cli import run_with_database
    from survey.settings import get_settings

    async def done() -> None:
        settings = get_settings()
        print(f"database schema is up to date ({settings.engine})")

    run_with_database(done)


def register(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="apply pending migrations", description="Apply pending schema migrations.")
    upgrade.set_defaults(handler=upgrade_command)
