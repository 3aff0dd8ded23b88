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


async def _open(client, place, counter="NB-001-TT-Q1", **params):
    token = await counter_token(place, counter)
    page = await client.get(f"/q/{token}", params=params)
    assert page.status_code == 200, page.text
    return token, page


async def test_the_same_nonce_twice_stores_one_response_and_thanks_twice(place, client):
    token, page = await _open(client, place)
    form = {**GOOD_ANSWERS, "nonce": nonce_of(page.text)}
    first = await client.post(f"/q/{token}", data=form)
    again = await client.post(f"/q/{token}", data=form)
    assert first.status_code == again.status_code == 200
    assert "đã được ghi nhận trước đó" in again.text and "đã được ghi nhận trước đó" not in first.text
    assert await Response.count() == 1
    assert await Answer.count() == 7


async def test_each_page_view_gets_its_own_nonce(place, client):
    token, page = await _open(client, place)
    second = await client.get(f"/q/{token}")
    assert nonce_of(page.text) != nonce_of(second.text)


async def test_invalid_answers_rerender_the_form_with_answers_kept_and_errors_beside_the_items(place, client):
    token, page = await _open(client, place)
    form = {**GOOD_ANSWERS, "overall_sat": "", "access_sat": "9", "comment": "Chờ lâu", "nonce": nonce_of(page.text)}
    posted = await client.post(f"/q/{token}", data=form)
    assert posted.status_code == 422
    assert 'id="e-overall_sat"' in posted.text and "Vui lòng trả lời câu hỏi này." in posted.text
    assert 'id="e-access_sat"' in posted.text and "từ 1 đến 5" in posted.text
    assert 'name="procedures_sat" value="4" checked' in posted.text
    assert ">Chờ lâu</textarea>" in posted.text
    assert nonce_of(posted.text) == form["nonce"]
    assert await Response.count() == 0


async def test_unknown_fields_and_unknown_procedures_are_refused(place, client):
    token, page = await _open(client, place)
    nonce = nonce_of(page.text)
    extra = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "phone": "0912345678", "nonce": nonce})
    assert extra.status_code == 422 and "phone" in extra.text
    unknown = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "procedure": "9.999", "nonce": nonce})
    assert unknown.status_code == 422 and "không có trong danh sách" in unknown.text
    assert await Response.count() == 0


async def test_forged_and_foreign_nonces_are_refused(place, client):
    token, page = await _open(client, place)
    other_token, other = await _open(client, place, counter="NB-001-TT-Q2")
    nonce = nonce_of(page.text)
    flipped = ("B" if nonce[5] == "A" else "A").join((nonce[:5], nonce[6:]))
    for bad in ("", "x" * 32, flipped, nonce_of(other.text)):
        posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": bad})
        assert posted.status_code == 400, bad
        assert "Biểu mẫu không hợp lệ" in posted.text
    assert await Response.count() == 0


async def test_an_expired_nonce_keeps_the_answers_and_asks_to_send_again(place, client):
    from survey.citizen import nonce as nonces

    token = await counter_token(place, "NB-001-TT-Q1")
    stale = nonces.issue(place.settings.secret_key, token, now=1_000_000_000)
    posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": stale})
    assert posted.status_code == 400
    assert "mở quá lâu" in posted.text and "Cán bộ nhiệt tình" in posted.text
    assert nonce_of(posted.text) != stale
    assert await Response.count() == 0


async def test_forged_retired_and_closed_codes_get_clear_pages(place, client):
    from survey.db.tables import Counter
    from survey.qr import keys

    token = await counter_token(place, "NB-001-TT-Q1")
    forged = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    for bad, status, text in ((forged, 404, "không hợp lệ"), ("not-a-token", 404, "không hợp lệ")):
        page = await client.get(f"/q/{bad}")
        assert page.status_code == status and text in page.text
        posted = await client.post(f"/q/{bad}", data={**GOOD_ANSWERS, "nonce": "x"})
        assert posted.status_code == 400
    await Counter.update({Counter.active: False}).where(Counter.code == "NB-001-TT-Q2")
    closed = await client.get(f"/q/{await counter_token(place, 'NB-001-TT-Q2')}")
    assert closed.status_code == 410 and "không nhận đánh giá" in closed.text
    page = await client.get(f"/q/{token}")
    await keys.rotate()
    await keys.retire("k1")
    retired = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})
    assert retired.status_code == 410 and "hết hiệu lực" in retired.text
    assert await Response.count() == 0



async def test_a_counter_closes_with_its_unit_or_any_unit_above_it(place, client):
    from survey.citizen.targets import forget_places
    from survey.db.tables import Unit

    async def set_active(code: str, active: bool) -> None:
        await Unit.update({Unit.active: active}).where(Unit.code == code)
        forget_places()

    token, page = await _open(client, place)
    for closing in ("NB-001-TT", "NB-001", "NB"):
        await set_active(closing, False)
        closed = await client.get(f"/q/{token}")
        assert closed.status_code == 410 and "không nhận đánh giá" in closed.text, closing
        posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})
        assert posted.status_code == 410, closing
        await set_active(closing, True)
    await set_active("LC", False)  # another province's closing leaves this counter open
    assert (await client.get(f"/q/{token}")).status_code == 200
    assert (await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})).status_code == 200
    assert await Response.count() == 1

async def test_english_on_request(place, client):
    token, page = await _open(client, place, lang="en")
    assert 'lang="en"' in page.text and "Very satisfied" in page.text and "Rất hài lòng" not in page.text
    posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text), "lang": "en"})
    assert "Thank you" in posted.text


async def test_a_burst_from_one_device_is_flagged_not_dropped(place, client):
    from survey.citizen.device import BURST_LIMIT

    token = await counter_token(place, "NB-001-TT-Q1")
    for _ in range(BURST_LIMIT + 2):
        page = await client.get(f"/q/{token}")
        posted = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})
        assert posted.status_code == 200
    statuses = [r["status"] for r in await Response.select(Response.status).order_by(Response.id)]
    assert statuses == ["valid"] * BURST_LIMIT + ["flagged"] * 2
    other_counter = await counter_token(place, "NB-001-TT-Q2")
    page = await client.get(f"/q/{other_counter}")
    await client.post(f"/q/{other_counter}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)})
    assert (await Response.select(Response.status).order_by(Response.id, ascending=False).first())["status"] == "valid"


async def test_another_user_agent_at_the_same_address_is_still_flagged(place, client):
    """The client picks its User-Agent: rotating it must not make one address look like many phones."""
    from survey.citizen.device import BURST_LIMIT

    token = await counter_token(place, "NB-001-TT-Q1")
    for number in range(BURST_LIMIT + 1):
        page = await client.get(f"/q/{token}")
        agent = {"user-agent": f"phone-{number}"}
        await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)}, headers=agent)
    assert await Response.count().where(Response.status == "flagged") == 1


async def test_no_raw_ip_address_is_stored_anywhere(place, client):
    token, page = await _open(client, place)
    await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)},
                      headers={"x-forwarded-for": "203.0.113.77"})
    device = (await Response.select(Response.device_hash).first())["device_hash"]
    assert len(device) == 32 and "127.0.0.1" not in device and "testclient" not in device
    # Scan every text column of every table for the client's address.
    for table in ("response", "answer", "audit_log", "kv_store", "receipt"):
        rows = await Response.raw(f"SELECT * FROM {table}")
        for row in rows:
            for value in row.values():
                text = str(bytes(value)) if isinstance(value, (bytes, memoryview)) else str(value)
                assert "127.0.0.1" not in text and "testclient" not in text and "203.0.113.77" not in text


async def test_the_short_survey_page_is_under_30_kilobytes(place, client):
    from survey.units.services import import_procedures

    # A commune centre's catalogue: some 150 procedures in the select.
    rows = "\n".join(f"2.{n:06d},Thủ tục hành chính cấp xã số {n} về hộ tịch và chứng thực,Hộ tịch" for n in range(150))
    await import_procedures("code,name,field\n" + rows + "\n")
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}", headers={"accept-encoding": "identity"})
    assert page.status_code == 200 and "2.000149" in page.text
    assert len(page.content) < 30 * 1024
    assert "<script" not in page.text and "http://" not in page.text.replace('xmlns="http://', "")


async def test_the_page_travels_compressed_but_officer_pages_do_not(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert page.num_bytes_downloaded < len(page.content) / 2
    login = await client.get("/login", headers={"accept-encoding": "gzip"})
    assert login.status_code == 200 and "content-encoding" not in login.headers


async def test_the_thank_you_page_travels_compressed_once_and_plain_to_clients_without_gzip(place, client):
    token, page = await _open(client, place)
    zipped = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)},
                               headers={"accept-encoding": "gzip"})
    token, page = await _open(client, place)
    plain = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text)},
                              headers={"accept-encoding": "identity"})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip" and "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) == zipped.num_bytes_downloaded < len(zipped.content)
    assert "content-encoding" not in plain.headers
    assert zipped.text == plain.text and "Cảm ơn" in plain.text
    assert await Response.count() == 2


async def test_a_refused_submission_page_is_compressed_too(place, client):
    token, page = await _open(client, place)
    refused = await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "overall_sat": "", "nonce": nonce_of(page.text)},
                                headers={"accept-encoding": "gzip"})
    assert refused.status_code == 422 and refused.headers["content-encoding"] == "gzip"
    assert refused.num_bytes_downloaded < len(refused.content) / 2
    assert "Vui lòng trả lời câu hỏi này." in refused.text
