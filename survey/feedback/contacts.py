"""A citizen's contact for an answer: kept only with consent, sealed, shown to the unit's managers, then gone.

The survey page offers (unchecked) to leave a phone number or an e-mail address so that the office can answer
the comment. Without the box ticked, nothing is kept, whatever was typed. With it, the contact is sealed with
AES-GCM (the ``cryptography`` library) under a key derived from ``SURVEY_SECRET_KEY`` by HKDF-SHA256, the
response's id bound as associated data (a sealed contact copied to another row does not open). The database
alone, a backup or an export therefore never shows it; it is never exported and never in a report. It is
deleted when the comment is closed (answered or not actionable) and, by the worker's ``contacts.expire`` job,
90 days after it was left, whichever comes first.
"""

from __future__ import annotations

import base64
import os
import re
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from survey.db.engine import write_transaction
from survey.db.tables import CitizenContact, FeedbackComment
from survey.feedback.schemas import CLOSED, COMMENT_ITEM

KEEP = timedelta(days=90)
CONSENT_FIELD, CONTACT_FIELD = "reply_consent", "reply_contact"
FIELDS = (CONSENT_FIELD, CONTACT_FIELD)
MAX_LENGTH = 254
_PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{6,18}[0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVALID = {
    "vi": "Số điện thoại hoặc địa chỉ thư để nhận trả lời chưa đúng. Xin sửa lại, hoặc bỏ chọn ô đồng ý.",
    "en": "The phone number or e-mail address for an answer is not valid. Please correct it, or untick the box.",
}


class ContactInvalid(ValueError):
    """Consent was given with something that is neither a phone number nor an e-mail address."""


def _key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"survey citizen contact v1").derive(secret_key.encode())


def seal(contact: str, response_id: int, secret_key: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, contact.encode(), str(response_id).encode())
    return base64.b64encode(nonce + sealed).decode()


def unseal(sealed: str, response_id: int, secret_key: str) -> str | None:
    """The contact, or None if it cannot be opened (another secret key, another row, damaged)."""
    try:
        raw = base64.b64decode(sealed)
        return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], str(response_id).encode()).decode()
    except (InvalidTag, ValueError):
        return None


def offered(values: dict[str, str]) -> str | None:
    """The contact to keep from the posted fields: None without consent, without a comment to answer, or with
    an empty contact; raises ``ContactInvalid`` when consent comes with something unusable."""
    if values.get(CONSENT_FIELD) != "1" or not values.get(COMMENT_ITEM, "").strip():
        return None
    contact = " ".join(values.get(CONTACT_FIELD, "").split())
    if not contact:
        return None
    if len(contact) > MAX_LENGTH or not (_PHONE.match(contact) or _EMAIL.match(contact)):
        raise ContactInvalid(contact)
    return contact


async def keep(response_id: int, contact: str, secret_key: str) -> None:
    async with write_transaction():
        await CitizenContact.insert(CitizenContact(response=response_id, sealed=seal(contact, response_id,
                                                                                     secret_key))).on_conflict(
            target=CitizenContact.response, action="DO NOTHING")


async def contact_for_comment(comment_id: int, secret_key: str) -> str | None:
    """The contact left with the comment's response, opened (the caller has checked the officer's scope)."""
    row = await CitizenContact.select(CitizenContact.sealed, CitizenContact.response).where(
        CitizenContact.response.is_in(_response_of(comment_id))).first()
    return unseal(row["sealed"], row["response"], secret_key) if row else None


def _response_of(comment_id: int):  # a sub-select, so that both engines do it in one statement
    return FeedbackComment.select(FeedbackComment.response).where(FeedbackComment._meta.primary_key == comment_id)


async def forget_comment(comment_id: int) -> None:
    """Delete the contact of a comment being closed (in the caller's transaction)."""
    await CitizenContact.delete().where(CitizenContact.response.is_in(_response_of(comment_id)))


async def expire(now: datetime | None = None) -> int:
    """Delete contacts older than 90 days and those of closed comments; returns how many."""
    cutoff = (now or datetime.now(UTC)) - KEEP
    closed = FeedbackComment.select(FeedbackComment.response).where(FeedbackComment.status.is_in(list(CLOSED)))
    async with write_transaction():
        old = await CitizenContact.delete().where(CitizenContact.created_at < cutoff).returning(CitizenContact._meta.primary_key)
        done = await CitizenContact.delete().where(CitizenContact.response.is_in(closed)).returning(
            CitizenContact._meta.primary_key)
    return len(old) + len(done)
