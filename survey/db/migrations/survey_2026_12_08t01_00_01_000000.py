"""The rollup's keys (the upserts' conflict targets), and the rollup filled from the existing responses.

A migration of its own: piccolo runs a migration's raw steps before its new tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-08T01:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "report rollup keys and first fill"

# The upserts' conflict targets; led by (stratum, period), which every report filters on.
INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS response_cell_key ON response_cell "
    "(stratum, period, instrument_key, unit, day, status, instrument_version, index_fingerprint, pattern)",
    "CREATE UNIQUE INDEX IF NOT EXISTS counter_day_cell_key ON counter_day_cell "
    "(stratum, period, instrument_key, unit, counter, day, status, index_fingerprint)",
    "CREATE UNIQUE INDEX IF NOT EXISTS cell_version_key ON cell_version (stratum, period)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_indexes_and_fill():
        from survey.rollup.maintain import rebuild
        from survey.settings import get_settings

        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)
        await rebuild(get_settings().timezone)

    manager.add_raw(create_indexes_and_fill)
    return manager
