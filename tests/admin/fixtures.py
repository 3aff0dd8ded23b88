"""Counters and flagged responses in both provinces, for the back-office tests."""

from __future__ import annotations

import pytest

import instruments
from survey.db.tables import Counter, Response, Unit
from survey.settings import Settings
from tests.support import recount_rollup


async def unit_id(code: str) -> int:
    return (await Unit.select(Unit.id).where(Unit.code == code).first())["id"]


async def add_counter(code: str, unit_code: str) -> int:
    rows = await Counter.insert(Counter(code=code, name=f"Quầy {code}", unit=await unit_id(unit_code)))
    return rows[0]["id"]


async def add_response(counter_code: str, status: str = "flagged") -> int:
    counter = await Counter.select(Counter.id, Counter.unit, Counter.code).where(Counter.code == counter_code).first()
    province = counter_code.split("-")[0]
    rows = await Response.insert(Response(
        instrument_key="sipas_qr", instrument_version=1, counter=counter["id"], unit=counter["unit"],
        stratum=await unit_id(province), period="2026-07", status=status, nonce=f"n-{counter_code}-{status}",
        e1=4, e2=5, e3=3, e4=4, e5=5, overall=4, index_fingerprint=instruments.get("sipas_qr", 1).index.fingerprint,
    ))
    await recount_rollup()
    return rows[0]["id"]


@pytest.fixture
async def places(world: Settings) -> dict[str, int]:
    """A counter per province and one flagged response at each; returns the response ids by province."""
    await add_counter("NB-001-TT-Q1", "NB-001-TT")
    await add_counter("LC-001-TT-Q1", "LC-001-TT")
    return {"NB": await add_response("NB-001-TT-Q1"), "LC": await add_response("LC-001-TT-Q1")}
