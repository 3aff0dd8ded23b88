"""``POST /api/v1/responses``: JSON submissions, idempotent by key, with per-item errors."""

from __future__ import annotations

from survey.db.tables import Response
from tests.citizen.conftest import GOOD_ANSWERS, counter_token

ANSWERS = {**{k: v for k, v in GOOD_ANSWERS.items() if k != "feedback_sat"}, "access_sat": 5}


async def _send(client, token, key="kiosk-0001-abc", answers=ANSWERS, **extra):
    return await client.post("/api/v1/responses", json={"token": token, "answers": answers,
                                                        "idempotency_key": key, **extra})


async def test_a_kiosk_submission_is_stored_once_per_key(place, client):
    token = await counter_token(place, "NB-001-TT-Q2")
    first = await _send(client, token, channel="kiosk")
    assert first.status_code == 201, first.text
    assert first.json()["received"] is True
    again = await _send(client, token, channel="kiosk")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    rows = await Response.select(Response.channel, Response.e1, Response.overall)
    assert rows == [{"channel": "kiosk", "e1": 5, "overall": 4}]


async def test_the_same_key_with_other_answers_is_a_conflict(place, client):
    token = await counter_token(place, "NB-001-TT-Q2")
    assert (await _send(client, token)).status_code == 201
    changed = await _send(client, token, answers={**ANSWERS, "overall_sat": "2"})
    assert changed.status_code == 409
    assert (await _send(client, token, key="kiosk-0002-abc", answers={**ANSWERS, "overall_sat": "2"})).status_code == 201
    assert await Response.count() == 2


async def test_invalid_answers_get_per_item_messages(place, client):
    token = await counter_token(place, "NB-001-TT-Q2")
    bad = await _send(client, token, answers={"access_sat": 7, "email": "a@b.c"}, lang="en")
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert set(errors) == {"access_sat", "overall_sat", "email"}
    assert "from 1 to 5" in errors["access_sat"]
    assert await Response.count() == 0


async def test_bad_tokens_and_bodies_are_refused_as_json(place, client):
    forged = await _send(client, "A" * 22)
    assert forged.status_code == 404 and forged.json()["detail"]
    short_key = await _send(client, await counter_token(place, "NB-001-TT-Q2"), key="k")
    assert short_key.status_code == 400
    not_json = await client.post("/api/v1/responses", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    assert await Response.count() == 0
