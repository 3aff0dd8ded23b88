"""Dossiers rated "not satisfied" or complained about on the public service portal, per unit and month."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T23:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "portal ratings (Decision 766/QĐ-TTg) beside the dossier volumes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    manager.add_column(
        table_class_name="DossierVolume",
        tablename="dossier_volume",
        column_name="portal_not_satisfied",
        db_column_name="portal_not_satisfied",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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
