"""Idempotency keys are no oracle: whoever holds a poster's token learns nothing of a kiosk's keys or answers.

The attack: with the public token of a counter, send guessed keys with invalid answers (a used key answered
409, an unused one 422), then try answer combinations under a used key until one is accepted as its replay:
that is the kiosk's citizen's answers. Now answers are validated before the key is looked up, any replay gets
the same answer whatever its answers, and keys must be long and random.
"""

from __future__ import annotations

import secrets

import pytest

from survey.citizen.schemas import key_looks_random
from survey.db.tables import Response
from tests.citizen.conftest import GOOD_ANSWERS, counter_token

ANSWERS = {**{k: v for k, v in GOOD_ANSWERS.items() if k != "feedback_sat"}, "access_sat": 5}


async def _send(client, token, key, answers):
    return await client.post("/api/v1/responses", json={"token": token, "answers": answers, "idempotency_key": key})


async def test_a_used_key_cannot_be_told_apart_nor_its_answers_recovered(place, client):
    token = await counter_token(place, "NB-001-TT-Q2")
    used, unused = secrets.token_hex(16), secrets.token_hex(16)
    assert (await _send(client, token, used, ANSWERS)).status_code == 201
    invalid = {"overall_sat": 9}
    probe_used, probe_unused = await _send(client, token, used, invalid), await _send(client, token, unused, invalid)
    assert (probe_used.status_code, probe_used.json()) == (probe_unused.status_code, probe_unused.json())
    assert probe_used.status_code == 422
    # Every valid guess under the used key gets the same answer: no guess is singled out as the stored one.
    guesses = [{**ANSWERS, "overall_sat": str(overall)} for overall in range(1, 6)]
    answers = [await _send(client, token, used, guess) for guess in guesses]
    assert {(a.status_code, a.headers.get("idempotent-replayed"), a.text) for a in answers} == {
        (201, "true", answers[0].text)}
    assert await Response.count() == 1


@pytest.mark.parametrize("key", ["kiosk-0001", "a" * 40, "0" * 31 + "1", "kiosk-0001-kiosk-0001-kiosk-0001", "1234567890" * 4])
async def test_short_or_patterned_keys_are_refused(place, client, key):
    token = await counter_token(place, "NB-001-TT-Q2")
    refused = await _send(client, token, key, ANSWERS)
    assert refused.status_code == 400, refused.text
    assert "idempotency_key" in refused.json()["errors"]
    assert await Response.count() == 0


def test_random_keys_of_the_documented_forms_pass():
    import uuid

    for _ in range(2000):
        assert key_looks_random(str(uuid.uuid4()))
        assert key_looks_random(uuid.uuid4().hex)
        assert key_looks_random(secrets.token_urlsafe(24))
