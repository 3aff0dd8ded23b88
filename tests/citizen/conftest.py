"""A small administrative tree with counters and procedures, and helpers to walk the survey like a citizen."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from survey.settings import Settings
from tests.support import survey_serve

UNITS = """code,name,level,parent_code
VN,Việt Nam,country,
NB,Tỉnh Ninh Bình,province,VN
NB-001,Phường Hoa Lư,commune,NB
NB-001-TT,Trung tâm Phục vụ hành chính công phường Hoa Lư,centre,NB-001
LC,Tỉnh Lào Cai,province,VN
LC-001-TT,Trung tâm Phục vụ hành chính công xã Bắc Hà,centre,LC
"""
COUNTERS = """code,name,unit_code
NB-001-TT-Q1,Quầy số 1 — Hộ tịch,NB-001-TT
NB-001-TT-Q2,Quầy số 2 — Đất đai,NB-001-TT
LC-001-TT-Q1,Quầy số 1,LC-001-TT
"""
PROCEDURES = """code,name,field
1.001193,Đăng ký khai sinh,Hộ tịch
1.000894,Đăng ký kết hôn,Hộ tịch
"""
NONCE = re.compile(r'name="nonce" value="([A-Za-z0-9_-]+)"')


@dataclass(frozen=True)
class Place:
    settings: Settings
    counter_ids: dict[str, int]
    unit_ids: dict[str, int]


@pytest.fixture
async def place(db: Settings, database_snapshot) -> Place:
    from survey.db.tables import Counter, Unit
    from survey.units.services import import_counters, import_procedures, import_units

    async def build() -> tuple[dict[str, int], dict[str, int]]:
        await import_units(UNITS)
        await import_counters(COUNTERS)
        await import_procedures(PROCEDURES)
        counters = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}
        units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code)}
        return counters, units

    counters, units = await database_snapshot("citizen_place", build)
    return Place(db, counters, units)


@pytest.fixture
async def client(place: Place):
    from survey.app import create_app
    from survey.db.engine import bind, engine_from_settings

    async with AsyncTestClient(app=create_app(place.settings)) as client:
        # The app's startup bound a PostgreSQL pool living on the client's event loop; the test reads the
        # database from its own loop, so both go through a pool-less engine (a connection per query).
        bind(engine_from_settings(place.settings))
        yield client


async def counter_token(place: Place, code: str) -> str:
    from survey.qr.keys import signing_kid
    from survey.qr.tokens import sign_counter

    return sign_counter(place.settings.secret_key, await signing_kid(), place.counter_ids[code])


def nonce_of(page: str) -> str:
    match = NONCE.search(page)
    assert match, "the survey page carries no nonce"
    return match.group(1)


GOOD_ANSWERS = {
    "access_sat": "5", "procedures_sat": "4", "civil_servant_sat": "5", "results_sat": "3",
    "feedback_sat": "", "overall_sat": "4", "procedure": "1.001193", "comment": "Cán bộ nhiệt tình",
}


@pytest.fixture
def live_server(place: Place, tmp_path):
    """``survey serve`` in a subprocess on a free port, on the test's database; yields its base URL."""
    with survey_serve(tmp_path / "server.log") as base_url:
        yield base_url
