"""Scan, answer, store: the citizen's path through ``/q/<token>`` on each engine."""

from __future__ import annotations

from survey.db.tables import Answer, Response
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of


async def test_scan_answer_store(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}")
    assert page.status_code == 200
    assert "Quầy số 1 — Hộ tịch" in page.text and "Trung tâm Phục vụ hành chính công phường Hoa Lư" in page.text
    posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})
    assert posted.status_code == 200, posted.text
    assert "Cảm ơn" in posted.text
    rows = await Response.select().run()
    assert len(rows) == 1
    row = rows[0]
    assert (row["e1"], row["e2"], row["e3"], row["e4"], row["e5"], row["overall"]) == (5, 4, 5, 3, None, 4)
    assert row["stratum"] == place.unit_ids["NB"]
    assert row["unit"] == place.unit_ids["NB-001-TT"]
    assert row["channel"] == "qr" and row["status"] == "valid"
    answers = {r["item_code"]: (r["value_num"], r["value_text"]) for r in await Answer.select()}
    assert answers["comment"] == (None, "Cán bộ nhiệt tình")
    assert answers["procedure"] == (None, "1.001193")
    assert "feedback_sat" not in answers
