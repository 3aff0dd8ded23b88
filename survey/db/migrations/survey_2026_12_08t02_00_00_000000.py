"""Publication of provinces on the public pages."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from survey.db.migration_tables import add_tables

ID = "2026-12-08T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "publication of provinces on the public pages"


class Unit(Table, tablename="unit", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


TABLES = {
    ("Publication", "publication"): (
        ("unit", ForeignKey, {"references": Unit, "on_delete": OnDelete.cascade, "on_update": OnUpdate.cascade,
                              "target_column": None, "index": True, "unique": True}),
        ("public", Boolean, {"default": False}),
        ("min_answers", Integer, {"default": 30}),
        ("updated_by", Varchar, {"length": 64, "default": ""}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
