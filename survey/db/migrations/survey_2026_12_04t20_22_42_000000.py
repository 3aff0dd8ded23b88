"""Each response records the fingerprint of the index definition that scored its element ratings."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T20:22:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "response.index_fingerprint: the index definition each response was scored with"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Response",
        tablename="response",
        column_name="index_fingerprint",
        db_column_name="index_fingerprint",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 80,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
