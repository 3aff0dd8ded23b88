"""Bring the schema up to date by running piccolo's pending migrations."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationError(RuntimeError):
    """A migration failed; the message carries piccolo's own explanation."""


async def upgrade() -> str:
    """Run every pending migration; return piccolo's log of what it did."""
    log = io.StringIO()
    # piccolo prints progress to stdout; keep it out of the server's structured log stream.
    with contextlib.redirect_stdout(log):
        result = await run_forwards(app_name="survey", migration_id="all")
    if not result.success:
        raise MigrationError(result.message or log.getvalue())
    return log.getvalue()
