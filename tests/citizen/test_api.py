"""``POST /api/v1/responses``: JSON submissions, idempotent by key, with per-item errors."""

from __future__ import annotations

import jsonschema

from survey.db.tables import Response
from survey.errors import messages_by_field
from tests.citizen.conftest import GOOD_ANSWERS, counter_token
from tests.support import idempotency_key

ANSWERS = {**{k: v for k, v in GOOD_ANSWERS.items() if k != "feedback_sat"}, "access_sat": 5}


async def published_schema(client) -> dict:
    return (await client.get("/schema/openapi.json")).json()


def assert_documented(schema: dict, path: str, answer) -> None:
    """The answer's status is documented for ``POST path``, and its body matches the schema documented there."""
    documented = schema["paths"][path]["post"]["responses"]
    assert str(answer.status_code) in documented, f"{answer.status_code} of {path} is not documented"
    body = documented[str(answer.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(answer.json(), {**body, "components": schema["components"]})


KEY = idempotency_key("kiosk-0001")


async def _send(client, token, key=KEY, answers=ANSWERS, **extra):
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


async def test_the_same_key_with_other_answers_is_a_replay_that_stores_nothing(place, client):
    # Not a 409: telling "other answers" apart would let anyone try answers until the stored ones replay
    # (tests/citizen/test_idempotency_oracle.py).
    token = await counter_token(place, "NB-001-TT-Q2")
    assert (await _send(client, token)).status_code == 201
    changed = await _send(client, token, answers={**ANSWERS, "overall_sat": "2"})
    assert changed.status_code == 201 and changed.headers.get("idempotent-replayed") == "true"
    assert (await _send(client, token, key=idempotency_key("kiosk-0002"), answers={**ANSWERS, "overall_sat": "2"})).status_code == 201
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
    assert short_key.json()["errors"] == {"idempotency_key": "Expected `str` of length >= 32"}
    not_json = await client.post("/api/v1/responses", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    not_utf8 = await client.post("/api/v1/responses", content=b'{"token": "\xa2"}',
                                 headers={"content-type": "application/json"})
    # Older msgspec raises UnicodeDecodeError (answered by our own message), newer ones a decode error that
    # litestar answers itself ("Invalid UTF-8 encoded string"): either way a 400 that names the encoding.
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["detail"]
    assert await Response.count() == 0


async def test_refusals_are_documented_with_the_bodies_they_have(place, client):
    token = await counter_token(place, "NB-001-TT-Q2")
    assert (await _send(client, token)).status_code == 201
    refusals = {
        400: await _send(client, token, surplus="field"),
        404: await _send(client, "A" * 22),
        422: await _send(client, token, key=idempotency_key("kiosk-0002"), answers={"access_sat": 7}),
    }
    schema = await published_schema(client)
    for status, answer in refusals.items():
        assert answer.status_code == status, answer.text
        assert_documented(schema, "/api/v1/responses", answer)
    assert refusals[400].json()["errors"] == {"data": "Object contains unknown field `surplus`"}
    assert schema["components"]["schemas"]["ResponseSubmission"]["additionalProperties"] is False


def test_malformed_requests_get_one_message_per_field_as_invalid_answers_do():
    assert messages_by_field([
        {"message": "Expected `int`", "key": "valid_days", "source": "body"},
        {"message": "Expected `str`", "key": "valid_days", "source": "query"},
        {"message": "Expected `str` of length <= 4", "source": "query"},
    ]) == {"valid_days": "Expected `int`; Expected `str`", "query": "Expected `str` of length <= 4"}
