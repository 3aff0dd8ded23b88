"""Layer (e) of anti-stuffing: the burst count is exact with several workers writing at once (it was racy on
PostgreSQL: 6 answers of one burst stored as valid instead of 3)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from survey.citizen.device import BURST_LIMIT
from survey.db.engine import bind, engine_from_settings
from survey.db.tables import Counter, Response
from survey.demo.loader import DEMO_COUNTER
from survey.qr.services import counter_token
from tests.reliability.server import Deployment, LiveServer
from tests.support import idempotency_key

BURST = 40


async def test_one_burst_at_several_workers_stores_at_most_the_limit_as_valid(deployment: Deployment, tmp_path: Path):
    settings = deployment.settings
    bind(engine_from_settings(settings))
    counter = await Counter.select(Counter.id).where(Counter.code == DEMO_COUNTER).first()
    token = await counter_token(settings.secret_key, counter["id"])
    before = await Response.count()
    server = LiveServer(deployment, tmp_path / "server.log", workers=3)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=deployment.base_url, timeout=60,
                                     limits=httpx.Limits(max_connections=BURST)) as client:
            answers = await asyncio.gather(*(client.post("/api/v1/responses", json={
                "token": token, "idempotency_key": idempotency_key(f"burst-{n:04d}"),
                "answers": {"access_sat": 1 + n % 5, "overall_sat": 1 + (n // 5) % 5},
            }) for n in range(BURST)))
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [201] * BURST
    bind(engine_from_settings(settings))
    assert await Response.count() == before + BURST  # flagged, never dropped
    valid = await Response.count().where(Response.id > 0, Response.status == "valid",
                                         Response.received_at >= await _burst_start(before))
    assert valid == BURST_LIMIT


async def _burst_start(before: int):
    first = await Response.select(Response.received_at).order_by(Response.id).offset(before).first()
    return first["received_at"]
