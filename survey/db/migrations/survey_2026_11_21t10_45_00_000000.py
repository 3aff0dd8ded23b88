"""Composite indexes the reports group on, and one dossier volume per unit and period."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from piccolo.engine.finder import engine_finder

ID = "2026-11-21T10:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report indexes and unique dossier volume per unit and period"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS dossier_volume_unit_period ON dossier_volume (unit, period)",
    "CREATE INDEX IF NOT EXISTS response_period_stratum_counter ON response (period, stratum, counter)",
    "CREATE INDEX IF NOT EXISTS response_unit_period ON response (unit, period)",
    "CREATE UNIQUE INDEX IF NOT EXISTS answer_response_item ON answer (response, item_code)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
