"""The migration that adds response.index_fingerprint back-fills rows stored before it, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards

import instruments
from survey.db.migrate import upgrade
from survey.db.tables import Response, Unit

MOMENT = datetime(2026, 7, 15, 3, tzinfo=UTC)
BEFORE = "2026-11-29T23:15:00:000000"  # the last migration before the fingerprint existed


async def test_existing_responses_get_their_own_versions_fingerprint(settings):
    from survey.db.engine import bind, engine_from_settings

    bind(engine_from_settings(settings))
    result = await run_forwards(app_name="survey", migration_id=BEFORE)
    assert result.success, result.message
    await Unit.raw("INSERT INTO unit (id, code, name, level, parent, path, active, created_at) "
                   "VALUES (1, 'NB', 'Ninh Bình', 'province', NULL, '/1/', {}, {})", True, MOMENT)
    await Unit.raw("INSERT INTO counter (id, unit, code, name, instrument_key, active, created_at) "
                   "VALUES (1, 1, 'Q1', 'Quầy 1', 'sipas_qr', {}, {})", True, MOMENT)
    for number, (key, version) in enumerate([("sipas_qr", 1), ("sipas_full", 1), ("sipas_qr", 9)], start=1):
        await Unit.raw("INSERT INTO response (id, instrument_key, instrument_version, counter, unit, stratum, channel, "
                       "received_at, period, status, nonce, device_hash, e1, overall) "
                       "VALUES ({}, {}, {}, 1, 1, 1, 'qr', {}, '2026-07', 'valid', {}, '', 4, 5)",
                       number, key, version, MOMENT, f"n{number}")

    await upgrade()

    rows = await Response.select(Response.instrument_key, Response.instrument_version, Response.index_fingerprint,
                                 Response.e1).order_by(Response.id)
    assert [r["index_fingerprint"] for r in rows] == [
        instruments.get("sipas_qr", 1).index.fingerprint,
        instruments.get("sipas_full", 1).index.fingerprint,
        "",  # a version this release does not have: reports refuse to pool it with anything
    ]
    assert all(r["e1"] == 4 for r in rows)
    assert all(fingerprint.startswith("sha256:") and len(fingerprint) == 71
               for fingerprint in (instruments.get(key).index.fingerprint for key in ("sipas_qr", "sipas_full")))
