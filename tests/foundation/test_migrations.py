"""The committed migrations create the whole schema on SQLite and PostgreSQL."""

from survey.db.migrate import upgrade
from survey.db.tables import ALL_TABLES, Unit

REPORT_INDEXES = {"dossier_volume_unit_period", "response_period_stratum_counter", "response_unit_period",
                  "response_instrument_unit_period"}


async def table_columns(engine_name: str, table: str) -> set[str]:
    if engine_name == "sqlite":
        rows = await Unit.raw(f"PRAGMA table_info({table})")
        return {row["name"] for row in rows}
    rows = await Unit.raw("SELECT column_name FROM information_schema.columns WHERE table_name = {}", table)
    return {row["column_name"] for row in rows}


async def index_names(engine_name: str) -> set[str]:
    if engine_name == "sqlite":
        rows = await Unit.raw("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {row["name"] for row in rows}
    rows = await Unit.raw("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'")
    return {row["name"] for row in rows}


async def test_every_table_and_column_exists(db, engine_name):
    for table in ALL_TABLES:
        expected = {column._meta.db_column_name for column in table._meta.columns}
        assert await table_columns(engine_name, table._meta.tablename) == expected, table._meta.tablename


async def test_report_indexes_exist(db, engine_name):
    names = await index_names(engine_name)
    assert names >= REPORT_INDEXES
    assert {"response_stratum", "response_period", "response_status", "counter_unit"} <= names


async def test_upgrade_twice_changes_nothing(db, engine_name):
    await Unit.insert(Unit(code="X", name="x", level="province", path="/1/"))
    log = await upgrade()
    assert "Running" not in log
    assert await Unit.count() == 1


async def test_dossier_volume_is_unique_per_unit_and_period(db):
    import pytest

    from survey.db.tables import DossierVolume

    rows = await Unit.insert(Unit(code="X", name="x", level="province", path="/1/"))
    await DossierVolume.insert(DossierVolume(unit=rows[0]["id"], period="2026-07", dossiers=10))
    with pytest.raises(Exception, match="(?i)unique"):
        await DossierVolume.insert(DossierVolume(unit=rows[0]["id"], period="2026-07", dossiers=11))
