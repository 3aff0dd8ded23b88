"""Adding whole tables in a hand-written migration from a compact description of their columns.

Used by committed migrations: what it produces must never change (a change here would change what an old
migration does on a new database). Extend it only with new, optional arguments.
"""

from __future__ import annotations

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.indexes import IndexMethod

Columns = tuple[tuple[str, type, dict], ...]


def params(overrides: dict) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False, **overrides}


def add_tables(manager: MigrationManager, tables: dict[tuple[str, str], Columns]) -> None:
    """``tables`` maps (class name, table name) to (column name, column class, parameters) triples."""
    for (class_name, tablename), columns in tables.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, overrides in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name,
                               db_column_name=name, column_class_name=column_class.__name__,
                               column_class=column_class, params=params(overrides), schema=None)
