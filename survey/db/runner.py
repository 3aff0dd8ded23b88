"""Running a command's work against the configured database, in its own event loop.

Commands that change data bring the schema up to date first (a fresh install's first ``survey users
create`` works); read-only commands (reports, exports, listings, posters) never migrate: they refuse, with
the command to run, a database that is missing or behind the code, and leave it as they found it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from survey.core.errors import CommandError
from survey.db.database import Database
from survey.settings import Settings

T = TypeVar("T")


def run_with_database(work: Callable[[], Awaitable[T]], settings: Settings, *, migrate: bool) -> T:
    """Bind the database of ``settings``, migrate it when ``migrate`` (else check it is current), run ``work``."""
    if not migrate and settings.engine == "sqlite" and not settings.sqlite_path.exists():
        raise CommandError(f"there is no database at {settings.sqlite_path}: create it with `survey db upgrade`")

    async def main() -> T:
        database = Database(settings)
        await database.open(migrate=migrate)
        try:
            if not migrate and (pending := await database.pending_migrations()):
                raise CommandError(f"the database schema is behind this version ({len(pending)} migration(s) "
                                   "pending): run `survey db upgrade` first")
            return await work()
        finally:
            await database.close()

    return asyncio.run(main())
