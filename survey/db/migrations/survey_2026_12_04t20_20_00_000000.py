"""The durable job table (outbox) that ``survey worker`` processes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

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


def params(overrides: dict) -> dict:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **overrides,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    manager.add_table(class_name="Job", tablename="job", schema=None, columns=None)
    for name, column_class, overrides in COLUMNS:
        manager.add_column(
            table_class_name="Job",
            tablename="job",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params(overrides),
            schema=None,
        )
    return manager
