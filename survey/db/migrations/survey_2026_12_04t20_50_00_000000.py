"""Anti-stuffing by address and network prefix, the reason a response was flagged, and security events."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-04T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "response.network_hash and flag_reason, index on (counter, received_at), security_event"

STATEMENTS = (
    "ALTER TABLE response ADD COLUMN network_hash VARCHAR(64) NOT NULL DEFAULT ''",
    "ALTER TABLE response ADD COLUMN flag_reason VARCHAR(32) NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS response_network_hash ON response (network_hash)",
    "CREATE INDEX IF NOT EXISTS response_counter_received ON response (counter, received_at)",
    "CREATE INDEX IF NOT EXISTS receipt_dossier_hash ON receipt (dossier_hash)",
)


class _Unit(Table, tablename="unit"):
    pass


class _SecurityEvent(Table, tablename="security_event"):
    """Frozen as it was created here; later changes come in their own migrations."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    kind = Varchar(length=64, index=True)
    unit = ForeignKey(references=_Unit, null=True)
    subject = Varchar(length=255, default="")
    detail = JSON(default="{}")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey", description=DESCRIPTION)

    async def change():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        _Unit._meta.db = _SecurityEvent._meta.db = engine
        await _SecurityEvent.create_table(if_not_exists=True)

    manager.add_raw(change)
    return manager
