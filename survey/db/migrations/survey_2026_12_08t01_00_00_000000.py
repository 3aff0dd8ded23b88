"""The reports' rollup (response_cell, counter_day_cell, cell_version), filled from the existing responses."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Integer, Varchar

from survey.db.migration_tables import add_tables

ID = "2026-12-08T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "report rollup tables"

COUNTS = tuple((name, Integer, {"default": 0}) for name in
               ("n", "a0", "a1", "a2", "a3", "a4", "a5", "s0", "s1", "s2", "s3", "s4", "s5"))

TABLES = {
    ("ResponseCell", "response_cell"): (
        ("stratum", Integer, {"default": 0}),
        ("unit", Integer, {"default": 0}),
        ("period", Varchar, {"length": 7, "default": ""}),
        ("day", Varchar, {"length": 10, "default": ""}),
        ("status", Varchar, {"length": 16, "default": ""}),
        ("instrument_key", Varchar, {"length": 64, "default": ""}),
        ("instrument_version", Integer, {"default": 0}),
        ("index_fingerprint", Varchar, {"length": 80, "default": ""}),
        ("pattern", Integer, {"default": 0}),
        ("n", Integer, {"default": 0}),
    ),
    ("CounterDayCell", "counter_day_cell"): (
        ("stratum", Integer, {"default": 0}),
        ("unit", Integer, {"default": 0}),
        ("period", Varchar, {"length": 7, "default": ""}),
        ("counter", Integer, {"default": 0}),
        ("day", Varchar, {"length": 10, "default": ""}),
        ("status", Varchar, {"length": 16, "default": ""}),
        ("instrument_key", Varchar, {"length": 64, "default": ""}),
        ("index_fingerprint", Varchar, {"length": 80, "default": ""}),
        *COUNTS,
    ),
    ("CellVersion", "cell_version"): (
        ("stratum", Integer, {"default": 0}),
        ("period", Varchar, {"length": 7, "default": ""}),
        ("version", BigInt, {"default": 0}),
    ),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)
    add_tables(manager, TABLES)
    return manager
