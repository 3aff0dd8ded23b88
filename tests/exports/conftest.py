"""A small administrative tree with responses, written through the import services and the tables."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

import instruments
from survey.db.engine import write_transaction
from survey.db.tables import Answer, Counter, Procedure, Response, Unit
from survey.units import services
from tests.support import recount_rollup

UNITS = """code,name,level,parent_code
VN,Việt Nam,country,
P1,Tỉnh Một,province,VN
P2,Tỉnh Hai,province,VN
P1-01,Xã Một,commune,P1
P1-02,Xã Hai,commune,P1
P1-03,Xã Ba,commune,P1
P2-01,Phường Một,commune,P2
P1-01-TT,Trung tâm Xã Một,centre,P1-01
P1-02-TT,Trung tâm Xã Hai,centre,P1-02
P1-03-TT,Trung tâm Xã Ba,centre,P1-03
P2-01-TT,Trung tâm Phường Một,centre,P2-01
"""
CENTRES = {"P1-01-TT": 0.45, "P1-02-TT": 0.3, "P2-01-TT": 0.25}
TINY_CENTRE = "P1-03-TT"  # two responses only: must be merged into a unit above
PROCEDURES = """code,name,field
HT01,Đăng ký khai sinh,Hộ tịch
HT02,Đăng ký kết hôn,Hộ tịch
CT01,Chứng thực bản sao,Chứng thực
DD01,Cấp giấy chứng nhận quyền sử dụng đất,Đất đai
XX01,Thủ tục khác,
"""
MONTHS = ("2026-07", "2026-08", "2026-09")
COMMENTS = (
    "Chị Nguyễn Thị Lan rất nhiệt tình, gọi 0912 345 678 nếu cần",
    "email tôi: citizen.one@example.vn, CCCD 001203004567",
    "Phòng chờ hơi chật",
    "cán bộ Hùng hướng dẫn kỹ",
)


async def build_tree() -> None:
    await services.import_units(UNITS)
    await services.import_procedures(PROCEDURES)
    counters = "code,name,unit_code,instrument_key\n" + "".join(
        f"{centre}-Q{q},Quầy {q},{centre},sipas_qr\n" for centre in [*CENTRES, TINY_CENTRE] for q in (1, 2))
    await services.import_counters(counters)


async def add_volumes(dossiers: dict[str, int]) -> None:
    rows = "unit_code,period,dossiers\n" + "".join(
        f"{centre},{month},{count + 17 * i}\n" for centre, count in dossiers.items() for i, month in enumerate(MONTHS))
    await services.import_volumes(rows)


async def add_responses(n: int, instrument_key: str = "sipas_qr", seed: int = 1) -> int:
    """``n`` valid responses over the three big centres (plus two at the tiny one and a few flagged ones),
    with ratings, some missing, and comments holding personal data; returns how many are valid."""
    instrument = instruments.get(instrument_key)
    rng = np.random.default_rng(seed)
    units = {row["code"]: row for row in await Unit.select(Unit.id, Unit.code, Unit.path)}
    counters = await Counter.select(Counter.id, Counter.code, Counter.unit)
    procedures = [row["id"] for row in await Procedure.select(Procedure.id)]
    last = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
    next_id = (last["id"] if last else 0) + 1
    plan = list(rng.choice(list(CENTRES), n, p=list(CENTRES.values()))) + [TINY_CENTRE] * 2
    statuses = ["valid"] * len(plan) + ["flagged"] * 3
    plan += ["P1-01-TT"] * 3
    responses, answers = [], []
    for offset, (centre, status) in enumerate(zip(plan, statuses)):
        unit = units[centre]
        own = [c for c in counters if c["unit"] == unit["id"]]
        counter = own[int(rng.integers(len(own)))]
        province = units[centre[:2]]
        ratings = rng.choice([1, 2, 3, 4, 5], 6, p=[0.05, 0.08, 0.17, 0.4, 0.3]).tolist()
        if rng.random() < 0.2:
            ratings[4] = None  # feedback element skipped
        month = MONTHS[int(rng.integers(len(MONTHS)))]
        rid = next_id + offset
        responses.append(Response(
            id=rid, instrument_key=instrument.key, instrument_version=instrument.version, counter=counter["id"],
            unit=unit["id"], stratum=province["id"],
            procedure=procedures[int(rng.integers(len(procedures)))] if rng.random() < 0.9 else None,
            channel=str(rng.choice(["qr", "web"], p=[0.8, 0.2])), received_at=datetime.fromisoformat(f"{month}-{int(rng.integers(1, 28)):02d}T08:15:00+00:00"),
            period=month, status=status, nonce=f"nonce-{seed}-{rid}", device_hash="",
            e1=ratings[0], e2=ratings[1], e3=ratings[2], e4=ratings[3], e5=ratings[4], overall=ratings[5],
            index_fingerprint=instrument.index_definition().fingerprint,
        ))
        if rng.random() < 0.5:
            answers.append(Answer(response=rid, item_code="comment", value_text=COMMENTS[int(rng.integers(len(COMMENTS)))]))
        for code in instrument.quasi_identifiers():
            options = instrument.item(code).option_codes()
            answers.append(Answer(response=rid, item_code=code, value_num=int(options[int(rng.integers(len(options)))])))
    async with write_transaction():
        for start in range(0, len(responses), 200):
            await Response.insert(*responses[start:start + 200])
        for start in range(0, len(answers), 200):
            await Answer.insert(*answers[start:start + 200])
    await recount_rollup()
    return sum(status == "valid" for status in statuses)


@pytest.fixture
async def survey_data(db, database_snapshot):
    """Tree, volumes for every centre and month, 600 valid sipas_qr responses."""

    async def build():
        await build_tree()
        await add_volumes({"P1-01-TT": 900, "P1-02-TT": 400, "P2-01-TT": 700, TINY_CENTRE: 50})
        return await add_responses(600)

    return {"settings": db, "valid": await database_snapshot("exports_survey_data", build)}
