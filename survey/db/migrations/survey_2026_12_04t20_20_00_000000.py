"""The durable job table (outbox) that ``survey worker`` processes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from survey.db.migration_tables import add_tables

ID = "2026-12-04T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job table (outbox) for background work"

COLUMNS = (
    ("kind", Varchar, {"length": 64, "default": "", "index": True}),
    ("payload", JSON, {"default": "{}"}),
    ("idempotency_key", Varchar, {"length": 191, "default": "", "unique": True}),
    ("status", Varchar, {"length": 16, "default": "queued", "index": True}),
    ("attempts", Integer, {"default": 0}),
    ("max_attempts", Integer, {"default": 8}),
    ("run_at", BigInt, {"default": 0, "index": True}),
    ("lease_until", BigInt, {"default": None, "null": True}),
    ("locked_by", Varchar, {"length": 64, "default": ""}),
    ("last_error", Text, {"default": ""}),
    ("created_at", Timestamptz, {"default": TimestamptzNow()}),
    ("finished_at", Timestamptz, {"default": None, "null": True}),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, {("Job", "job"): COLUMNS})
    return manager
