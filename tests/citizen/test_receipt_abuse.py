"""One dossier, one live receipt: the review minted five receipts for one dossier number and answered all five."""

from __future__ import annotations

import json
from datetime import UTC

from survey.db.tables import AuditLog, DossierVolume
from survey.receipts import apikeys
from tests.citizen.conftest import GOOD_ANSWERS, nonce_of

DOSSIER = "000.00.12.H40-260101-0001"


async def _key(place, name="mot-cua-NB"):
    return await apikeys.create(place.settings.secret_key, name, "NB")


async def _mint(client, key, **body):
    return await client.post("/api/v1/receipts", json={"counter": "NB-001-TT-Q1", **body},
                             headers={"authorization": f"Bearer {key}"})


async def _answer(client, token: str) -> int:
    page = await client.get(f"/q/{token}")
    if page.status_code != 200:
        return page.status_code
    return (await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})).status_code


async def test_five_receipts_for_one_dossier_give_one_answer(place, client):
    key = await _key(place)
    tokens = []
    for _ in range(5):
        minted = await _mint(client, key, dossier=DOSSIER)
        if minted.status_code == 201:
            tokens.append(minted.json()["token"])
    answered = [await _answer(client, token) for token in tokens]
    assert answered.count(200) == 1, answered
    # A reprint replaces the live receipt (the newest works, older ones are expired); once answered, no more.
    assert answered[-1] == 200 and set(answered[:-1]) <= {410}
    again = await _mint(client, key, dossier=DOSSIER)
    assert again.status_code == 409 and "dossier" in again.json()["detail"]


async def test_minting_is_limited_per_key(place, client, monkeypatch):
    from survey.receipts import services

    monkeypatch.setattr(services, "MINT_PER_MINUTE", 5)
    key, other = await _key(place), await _key(place, "mot-cua-NB-2")
    statuses = [(await _mint(client, key)).status_code for _ in range(7)]
    assert statuses == [201] * 5 + [429, 429]
    refused = await _mint(client, key)
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert (await _mint(client, other)).status_code == 201  # another key has its own limit


async def test_more_receipts_than_dossiers_leaves_a_security_event(place, client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from survey.db.tables import SecurityEvent

    period = datetime.now(UTC).astimezone(ZoneInfo(place.settings.timezone)).strftime("%Y-%m")
    await DossierVolume.insert(DossierVolume(unit=place.unit_ids["NB-001-TT"], period=period, dossiers=3))
    key = await _key(place)
    for _ in range(6):
        assert (await _mint(client, key)).status_code == 201
    events = await SecurityEvent.select().where(SecurityEvent.kind == "receipts_exceed_dossiers")
    assert len(events) == 1  # one alert per unit and month, not one per receipt
    detail = events[0]["detail"]
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert events[0]["unit"] == place.unit_ids["NB-001-TT"] and detail == {"period": period, "receipts": 4,
                                                                             "dossiers": 3}
    assert await AuditLog.count().where(AuditLog.action == "security.alert") == 1
