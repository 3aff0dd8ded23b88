"""Officers' e-mail address and their choice to receive the weekly and monthly digests."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean, Varchar

from survey.db.migration_tables import params

ID = "2026-12-08T04:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "officer e-mail and digest opt-out"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    for name, column_class, overrides in (("email", Varchar, {"length": 254, "default": ""}),
                                          ("digests", Boolean, {"default": True})):
        manager.add_column(table_class_name="Officer", tablename="officer", column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class,
                           params=params(overrides), schema=None)
    return manager
