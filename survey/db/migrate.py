"""Bring the schema up to date by running piccolo's pending migrations."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from survey.db.piccolo_app import APP_CONFIG

APP_NAME = "survey"


class MigrationError(RuntimeError):
    """A migration failed; the message carries piccolo's own explanation."""


async def upgrade() -> str:
    """Run every pending migration; return piccolo's log of what it did."""
    log = io.StringIO()
    # piccolo prints progress to stdout; keep it out of the server's structured log stream.
    with contextlib.redirect_stdout(log):
        result = await run_forwards(app_name=APP_NAME, migration_id="all")
    if not result.success:
        raise MigrationError(result.message or log.getvalue())
    return log.getvalue()


async def pending_migrations() -> list[str]:
    """The ids of the migrations not yet applied, oldest first, found without writing anything (piccolo's
    own check creates its bookkeeping table)."""
    manager = BaseMigrationManager()
    ids = manager.get_migration_ids(manager.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path))
    if not await Migration.table_exists():
        return ids
    applied = {row["name"] for row in await Migration.select(Migration.name).where(Migration.app_name == APP_NAME)}
    return [migration_id for migration_id in ids if migration_id not in applied]
