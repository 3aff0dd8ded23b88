"""A citizen's contact for an answer to their comment, encrypted, kept only with their consent."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from survey.db.migration_tables import add_tables

ID = "2026-12-08T04:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "citizen contacts for an answer (encrypted)"


class Response(Table, tablename="response", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


TABLES = {
    ("CitizenContact", "citizen_contact"): (
        ("response", ForeignKey, {"references": Response, "on_delete": OnDelete.cascade,
                                  "on_update": OnUpdate.cascade, "target_column": None, "unique": True}),
        ("sealed", Text, {"default": ""}),
        ("created_at", Timestamptz, {"default": TimestamptzNow(), "index": True}),
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
