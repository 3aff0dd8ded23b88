"""Receipt tokens: minted by API key within its unit, answered once, counted in the response rate."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image

from survey.db.tables import KeyValue, Receipt, Response
from survey.receipts import apikeys
from survey.receipts.services import response_rate
from tests.citizen.conftest import GOOD_ANSWERS, nonce_of
from tests.citizen.test_api import assert_documented, published_schema


async def _key(place, unit="NB"):
    return await apikeys.create(place.settings.secret_key, f"mot-cua-{unit}", unit)


async def _mint(client, key, **body):
    return await client.post("/api/v1/receipts", json={"counter": "NB-001-TT-Q1", **body},
                             headers={"authorization": f"Bearer {key}"})


async def test_a_key_is_stored_only_as_a_keyed_hash(place):
    key = await _key(place)
    rows = await KeyValue.select(KeyValue.key, KeyValue.value)
    assert len(rows) == 1
    assert key not in rows[0]["key"] and key.encode() not in bytes(rows[0]["value"])
    found = await apikeys.authenticate(place.settings.secret_key, key)
    assert found is not None and found.unit_code == "NB"
    assert await apikeys.authenticate(place.settings.secret_key, key + "x") is None
    assert await apikeys.authenticate("another-secret-key-" + "y" * 30, key) is None


async def test_minting_returns_a_url_and_a_qr_that_decodes_to_it(place, client):
    key = await _key(place)
    minted = await _mint(client, key, procedure="1.000894", dossier="000.00.12.H40-260101-0001")
    assert minted.status_code == 201, minted.text
    body = minted.json()
    assert body["url"] == f"{place.settings.base_url}/q/{body['token']}"
    assert len(body["token"]) == 24 and body["qr_svg"].startswith("<svg")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(body["qr_png_base64"]))))
    assert [code.text for code in decoded] == [body["url"]]
    row = await Receipt.select().first()
    assert row["token_id"] != body["token"] and body["token"] not in row["token_id"]
    assert "0001" not in row["dossier_hash"] and len(row["dossier_hash"]) == 64


async def test_keys_are_checked_and_scoped(place, client):
    lao_cai = await _key(place, unit="LC")
    country = await _key(place, unit="VN")
    assert (await _mint(client, country)).status_code == 201
    refusals = [
        (403, await _mint(client, lao_cai)),
        (401, await _mint(client, "sk_not-a-key")),
        (401, await client.post("/api/v1/receipts", json={"counter": "NB-001-TT-Q1"})),
        (404, await _mint(client, country, counter="NO-SUCH")),
        (422, await _mint(client, country, procedure="9.999")),
        (400, await _mint(client, country, valid_days=365)),
        (400, await _mint(client, country, copies=2)),
        (400, await _mint(client, country, counter="NB-001-TT-Q1\n")),
        (400, await _mint(client, country, procedure="1.000894\x00")),
        (400, await client.post("/api/v1/receipts", content=b'{"counter": "\xff"}',
                                headers={"authorization": f"Bearer {country}", "content-type": "application/json"})),
    ]
    schema = await published_schema(client)
    for status, answer in refusals:
        assert answer.status_code == status, answer.text
        assert_documented(schema, "/api/v1/receipts", answer)
    assert schema["components"]["schemas"]["ReceiptRequest"]["additionalProperties"] is False
    assert await Receipt.count() == 1


async def test_a_receipt_takes_exactly_one_response(place, client):
    key = await _key(place)
    token = (await _mint(client, key, procedure="1.000894")).json()["token"]
    page = await client.get(f"/q/{token}")
    assert page.status_code == 200
    assert '<option value="1.000894" selected>' in page.text
    second_view = await client.get(f"/q/{token}")
    answers = {k: v for k, v in GOOD_ANSWERS.items() if k != "procedure"}
    first = await client.post(f"/q/{token}", data={**answers, "nonce": nonce_of(page.text)})
    assert first.status_code == 200 and "Cảm ơn" in first.text
    retry = await client.post(f"/q/{token}", data={**answers, "nonce": nonce_of(page.text)})
    assert retry.status_code == 200 and "đã được ghi nhận trước đó" in retry.text
    other_tab = await client.post(f"/q/{token}", data={**answers, "nonce": nonce_of(second_view.text)})
    assert other_tab.status_code == 409 and "đã được dùng" in other_tab.text
    assert (await client.get(f"/q/{token}")).status_code == 409
    response = await Response.select(Response.id, Response.channel, Response.procedure.code).first()
    assert response["channel"] == "receipt" and response["procedure.code"] == "1.000894"
    assert await Response.count() == 1
    assert (await Receipt.select(Receipt.response).first())["response"] == response["id"]


async def test_unknown_and_expired_receipts_are_refused(place, client):
    from datetime import datetime, timedelta

    from survey.qr.tokens import new_receipt_token

    assert (await client.get(f"/q/{new_receipt_token()}")).status_code == 404
    token = (await _mint(client, await _key(place))).json()["token"]
    await Receipt.update({Receipt.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(Receipt.id > 0)
    expired = await client.get(f"/q/{token}")
    assert expired.status_code == 410 and "hết hạn" in expired.text


async def test_response_rate_counts_answered_receipts_in_the_unit_and_month(place, client):
    key = await _key(place, unit="VN")
    tokens = [(await _mint(client, key)).json()["token"] for _ in range(4)]
    await _mint(client, key, counter="LC-001-TT-Q1")
    for token in tokens[:3]:
        page = await client.get(f"/q/{token}")
        await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)},
                          headers={"user-agent": token})
    tz = place.settings.timezone
    month = datetime.now(ZoneInfo(tz)).strftime("%Y-%m")
    nb = await response_rate("NB", month, tz)
    assert (nb.issued, nb.answered, nb.rate) == (4, 3, 0.75)
    country = await response_rate("VN", month, tz)
    assert (country.issued, country.answered) == (5, 3)
    empty = await response_rate("NB", "2020-01", tz)
    assert (empty.issued, empty.rate) == (0, None)
    with pytest.raises(ValueError, match="YYYY-MM"):
        await response_rate("NB", "2020/01", tz)


async def test_a_revoked_key_is_refused_and_names_are_unique(place, client):
    import asyncio

    from survey.cli import main
    from survey.db.tables import AuditLog

    key = await _key(place)
    with pytest.raises(ValueError, match="exists; revoke it first"):
        await _key(place)
    assert (await _mint(client, key)).status_code == 201
    assert await asyncio.to_thread(main, ["apikeys", "revoke", "mot-cua-NB"]) == 0
    assert await apikeys.authenticate(place.settings.secret_key, key) is None
    assert (await _mint(client, key)).status_code == 401
    assert await AuditLog.count().where(AuditLog.action == "apikey.revoke") == 1
    assert await asyncio.to_thread(main, ["apikeys", "revoke", "mot-cua-NB"]) == 2
    assert await _key(place)


async def test_no_receipt_for_a_counter_whose_unit_is_closed(place, client):
    from survey.citizen.targets import forget_places
    from survey.db.tables import Unit

    key = await _key(place)
    await Unit.update({Unit.active: False}).where(Unit.code == "NB-001")
    forget_places()
    refused = await _mint(client, key)
    assert refused.status_code == 404 and "inactive" in refused.text
    await Unit.update({Unit.active: True}).where(Unit.code == "NB-001")
    forget_places()
    assert (await _mint(client, key)).status_code == 201
    assert await Receipt.count() == 1
