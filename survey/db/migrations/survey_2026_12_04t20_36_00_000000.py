"""The issuing body of a unit's report documents: governing authority, issuer, place and document code."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T20:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit letterhead settings for administrative report documents"
COLUMNS = (("letterhead_authority", 255), ("letterhead_issuer", 255), ("letterhead_place", 128),
           ("letterhead_code", 32))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    for name, length in COLUMNS:
        manager.add_column(
            table_class_name="Unit",
            tablename="unit",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": length,
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
