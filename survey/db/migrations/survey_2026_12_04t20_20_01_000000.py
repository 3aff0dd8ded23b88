"""The job claim's index: due jobs of one status in ``run_at`` order (a separate migration because piccolo
runs a migration's raw statements before the tables it adds)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-04T20:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "job claim index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl("CREATE INDEX IF NOT EXISTS job_status_run_at ON job (status, run_at)")

    manager.add_raw(create_index)
    return manager
