"""An index that tells which instrument versions a scope answered without reading its responses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from piccolo.engine.finder import engine_finder

ID = "2026-11-21T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index on response (instrument_key, instrument_version, unit, period)"

STATEMENT = ("CREATE INDEX IF NOT EXISTS response_instrument_unit_period "
             "ON response (instrument_key, instrument_version, unit, period)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(STATEMENT)

    manager.add_raw(create_index)
    return manager
