"""Webhooks and their delivery log."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from survey.db.migration_tables import add_tables

ID = "2026-12-04T20:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhooks and their delivery log"


class Webhook(Table, tablename="webhook", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


TABLES = {
    ("Webhook", "webhook"): (
        ("name", Varchar, {"length": 128, "default": ""}),
        ("url", Varchar, {"length": 2000, "default": ""}),
        ("secret", Varchar, {"length": 64, "default": ""}),
        ("events", JSON, {"default": "[]"}),
        ("active", Boolean, {"default": True}),
        ("created_by", Varchar, {"length": 64, "default": ""}),
        ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ),
    ("WebhookDelivery", "webhook_delivery"): (
        ("webhook", ForeignKey, {"references": Webhook, "on_delete": OnDelete.cascade,
                                 "on_update": OnUpdate.cascade, "target_column": None, "index": True}),
        ("event_id", Varchar, {"length": 64, "default": "", "index": True}),
        ("event_type", Varchar, {"length": 64, "default": ""}),
        ("attempt", Integer, {"default": 1}),
        ("status_code", Integer, {"default": None, "null": True}),
        ("error", Text, {"default": ""}),
        ("duration_ms", Integer, {"default": 0}),
        ("at", Timestamptz, {"default": TimestamptzNow()}),
    ),
}



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
