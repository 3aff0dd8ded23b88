"""Alert rules and raised alerts."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from survey.db.migration_tables import add_tables

ID = "2026-12-04T20:57:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "alert rules and alerts"


class Unit(Table, tablename="unit", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


UNIT = {"references": Unit, "on_delete": OnDelete.cascade, "on_update": OnUpdate.cascade, "target_column": None,
        "index": True}

TABLES = {
    ("AlertRule", "alert_rule"): (
        ("unit", ForeignKey, {**UNIT, "null": True, "default": None}),
        ("kind", Varchar, {"length": 32, "default": ""}),
        ("enabled", Boolean, {"default": True}),
        ("threshold", Integer, {"default": 1}),
        ("recipients", Text, {"default": ""}),
    ),
    ("Alert", "alert"): (
        ("key", Varchar, {"length": 191, "default": "", "unique": True}),
        ("kind", Varchar, {"length": 32, "default": "", "index": True}),
        ("unit", ForeignKey, UNIT),
        ("title", Varchar, {"length": 500, "default": ""}),
        ("detail", JSON, {"default": "{}"}),
        ("raised_at", Timestamptz, {"default": TimestamptzNow(), "index": True}),
        ("acknowledged_by", Varchar, {"length": 64, "default": ""}),
        ("acknowledged_at", Timestamptz, {"default": None, "null": True}),
        ("ack_comment", Text, {"default": ""}),
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
