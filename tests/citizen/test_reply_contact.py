"""The optional contact for an answer: unchecked by default, nothing kept without consent, sealed with AES-GCM
when kept (never in clear in the database), refused in Vietnamese when unusable, opened only for its own row
with the platform's key, deleted when the comment closes or after 90 days, and read by no export or report."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from survey.db.tables import Answer, CitizenContact, FeedbackComment, Response
from survey.feedback import contacts
from survey.feedback.services import ingest
from tests.citizen.conftest import GOOD_ANSWERS, counter_token, nonce_of

SECRET = "test-secret-key-" + "x" * 32  # the test settings' key (tests/conftest.py)
PHONE = "0912 345 678"


async def _post(client, place, **extra):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}")
    assert 'name="reply_consent" value="1">' in page.text  # offered, unchecked
    return await client.post(f"/q/{token}", data={**GOOD_ANSWERS, "nonce": nonce_of(page.text), **extra})


async def test_without_consent_nothing_is_kept(place, client):
    posted = await _post(client, place, reply_contact=PHONE)
    assert posted.status_code == 200 and "Cảm ơn" in posted.text
    assert await Response.count() == 1 and await CitizenContact.count() == 0
    assert not [a for a in await Answer.select(Answer.value_text) if PHONE in (a["value_text"] or "")]


async def test_with_consent_the_contact_is_sealed_and_opens_only_for_its_row(place, client):
    posted = await _post(client, place, reply_consent="1", reply_contact=PHONE)
    assert posted.status_code == 200
    [row] = await CitizenContact.select()
    assert PHONE not in row["sealed"] and "0912" not in row["sealed"]
    assert contacts.unseal(row["sealed"], row["response"], SECRET) == PHONE
    assert contacts.unseal(row["sealed"], row["response"] + 1, SECRET) is None  # copied to another row
    assert contacts.unseal(row["sealed"], row["response"], "another-secret-" + "y" * 32) is None
    assert not [a for a in await Answer.select(Answer.value_text) if PHONE in (a["value_text"] or "")]


async def test_an_unusable_contact_is_refused_in_vietnamese_and_nothing_is_stored(place, client):
    posted = await _post(client, place, reply_consent="1", reply_contact="gọi cho tôi nhé")
    assert posted.status_code == 422
    assert "Số điện thoại hoặc địa chỉ thư để nhận trả lời chưa đúng" in posted.text
    assert 'value="gọi cho tôi nhé"' in posted.text  # kept for correcting
    assert await Response.count() == 0 and await CitizenContact.count() == 0


async def test_contacts_go_when_the_comment_closes_or_after_90_days(place, client, settings):
    await _post(client, place, reply_consent="1", reply_contact="ba.lan@example.vn")
    await _post(client, place, reply_consent="1", reply_contact=PHONE)
    await ingest(settings.timezone, settings.feedback_deadline_days)
    first, second = [r["id"] for r in await FeedbackComment.select(FeedbackComment.id).order_by(FeedbackComment.id)]
    assert await contacts.contact_for_comment(first, SECRET) == "ba.lan@example.vn"
    assert await contacts.expire() == 0
    await FeedbackComment.update({FeedbackComment.status: "not_actionable"}).where(FeedbackComment.id == first)
    assert await contacts.expire() == 1 and await contacts.contact_for_comment(first, SECRET) is None
    assert await contacts.expire(datetime.now(UTC) + timedelta(days=89)) == 0
    assert await contacts.expire(datetime.now(UTC) + timedelta(days=91)) == 1
    assert await contacts.contact_for_comment(second, SECRET) is None


def test_no_export_or_report_reads_the_contacts():
    root = Path(__file__).parents[2] / "survey"
    readers = [p for area in ("exports", "reports") for p in (root / area).rglob("*.py")
               if re.search(r"CitizenContact|citizen_contact|feedback\.contacts", p.read_text())]
    assert readers == []


async def test_the_offer_is_worded_in_english_too(place, client):
    token = await counter_token(place, "NB-001-TT-Q1")
    page = await client.get(f"/q/{token}", params={"lang": "en"})
    assert "I agree to leave a phone number or e-mail address" in page.text
    assert "If the box is not ticked, nothing is kept." in page.text
    assert 'name="reply_consent" value="1">' in page.text


async def test_consent_without_a_comment_keeps_nothing(place, client):
    posted = await _post(client, place, comment="", reply_consent="1", reply_contact=PHONE)
    assert posted.status_code == 200 and await Response.count() == 1 and await CitizenContact.count() == 0
