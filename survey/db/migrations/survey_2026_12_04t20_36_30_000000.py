"""The feedback inbox (comments and their handling) and the keyword lexicon that sorts them to elements."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from survey.db.migration_tables import add_tables

ID = "2026-12-04T20:36:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "feedback inbox and keyword lexicon"


def _serial() -> Serial:
    return Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                  choices=None, db_column_name="id", secret=False)


class Response(Table, tablename="response", schema=None):
    id = _serial()


class Unit(Table, tablename="unit", schema=None):
    id = _serial()


class Counter(Table, tablename="counter", schema=None):
    id = _serial()


class Procedure(Table, tablename="procedure", schema=None):
    id = _serial()


def _fk(table: type[Table], **extra) -> tuple[type, dict]:
    return ForeignKey, {"references": table, "on_delete": OnDelete.cascade, "on_update": OnUpdate.cascade,
                        "target_column": None, **extra}


TABLES = {
    ("FeedbackComment", "feedback_comment"): (
        ("response", *_fk(Response, unique=True)),
        ("unit", *_fk(Unit, index=True)),
        ("counter", *_fk(Counter)),
        ("procedure", *_fk(Procedure, null=True, default=None)),
        ("received_at", Timestamptz, {"default": TimestamptzNow()}),
        ("period", Varchar, {"length": 7, "default": "", "index": True}),
        ("text", Text, {"default": ""}),
        ("search_text", Text, {"default": ""}),
        ("ratings", JSON, {"default": "{}"}),
        ("elements", Varchar, {"length": 128, "default": ""}),
        ("elements_by_hand", Boolean, {"default": False}),
        ("status", Varchar, {"length": 16, "default": "new", "index": True}),
        ("handler", Varchar, {"length": 64, "default": ""}),
        ("reply", Text, {"default": ""}),
        ("due_on", Varchar, {"length": 10, "default": "", "index": True}),
        ("handled_at", Timestamptz, {"default": None, "null": True}),
        ("updated_at", Timestamptz, {"default": TimestamptzNow()}),
    ),
    ("FeedbackKeyword", "feedback_keyword"): (
        ("element", Varchar, {"length": 32, "default": "", "index": True}),
        ("keyword", Varchar, {"length": 128, "default": ""}),
    ),
}



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
