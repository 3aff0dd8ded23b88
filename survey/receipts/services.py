"""Minting receipt tokens and measuring how many of them were answered."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from piccolo.engine.sqlite import SQLiteEngine

from survey.audit import record
from survey.citizen.targets import DEFAULT_STRATUM_LEVEL, place
from survey.core.periods import month_bounds, month_of
from survey.db.engine import current_engine, write_transaction
from survey.db.tables import Counter, DossierVolume, KeyValue, Procedure, Receipt, SecurityEvent, Unit
from survey.qr.tokens import new_receipt_token, receipt_token_id
from survey.receipts.apikeys import ApiKey

DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 90
# Receipts one API key may mint per minute: a one-stop shop prints one per dossier, far fewer than this.
MINT_PER_MINUTE = 120
MINT_PREFIX = "receipts:mint:"
ALERT = "receipts_exceed_dossiers"


class ReceiptRefused(ValueError):
    """The receipt cannot be minted as asked; ``status`` is the HTTP status that says so."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


@dataclass(frozen=True)
class Minted:
    token: str
    expires_at: datetime


def dossier_hash(secret_key: str, dossier: str) -> str:
    """The dossier number is kept only as a keyed hash: it links a receipt to a case without naming it."""
    return hmac.new(secret_key.encode(), f"dossier:{dossier}".encode(), hashlib.sha256).hexdigest()


async def mint(
    secret_key: str, key: ApiKey, counter_code: str, procedure_code: str | None = None,
    dossier: str | None = None, valid_days: int = DEFAULT_VALID_DAYS, stratum_level: str = DEFAULT_STRATUM_LEVEL,
    tz: str = "Asia/Ho_Chi_Minh",
) -> Minted:
    """A receipt for one dossier at ``counter_code``: at most one live per dossier, at most MINT_PER_MINUTE a
    minute per key; more receipts in a month than the unit's dossiers leaves a security event."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise ReceiptRefused(422, f"valid_days must be between 1 and {MAX_VALID_DAYS}")
    counter = await Counter.select(Counter.id, Counter.unit.path).where(Counter.code == counter_code).first()
    found = await place(counter["id"], stratum_level) if counter else None
    if found is None or not found.active:
        raise ReceiptRefused(404, f"unknown or inactive counter {counter_code!r}")
    if not key.covers(counter["unit.path"]):
        raise ReceiptRefused(403, f"this API key may mint receipts only for counters under unit {key.unit_code}")
    procedure_id = None
    if procedure_code:
        procedure = await Procedure.select(Procedure.id).where(Procedure.code == procedure_code).first()
        if procedure is None:
            raise ReceiptRefused(422, f"unknown procedure {procedure_code!r}")
        procedure_id = procedure["id"]
    token = new_receipt_token()
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=valid_days)
    hashed = dossier_hash(secret_key, dossier) if dossier else ""
    async with write_transaction():
        await serialise(f"mint:{key.name}", f"dossier:{hashed}" if hashed else "")
        await _count_mint(key, now)
        if hashed:
            await _one_live_receipt(hashed, now)
        await Receipt.insert(Receipt(
            token_id=receipt_token_id(token), counter=counter["id"], procedure=procedure_id,
            dossier_hash=hashed, issued_at=now, expires_at=expires_at,
        ))
    await _alert_beyond_volume(found.unit_id, now, tz)
    return Minted(token=token, expires_at=expires_at)


async def serialise(*names: str) -> None:
    """Inside a write transaction: make concurrent transactions on the same ``names`` take turns. SQLite's
    write transaction already holds the database's one write lock; PostgreSQL takes an advisory lock each."""
    if isinstance(current_engine(), SQLiteEngine):
        return
    for name in sorted(n for n in names if n):
        await Receipt.raw("SELECT pg_advisory_xact_lock(hashtext({}))", name)


async def _count_mint(key: ApiKey, now: datetime) -> None:
    """One expiring row per receipt minted in the last minute, per key; refused mints add none."""
    prefix = MINT_PREFIX + hashlib.sha256(key.name.encode()).hexdigest()[:32] + ":"
    recent = await KeyValue.select(KeyValue.expires_at).where(
        KeyValue.key.like(prefix + "%"), KeyValue.expires_at > now
    ).order_by(KeyValue.expires_at)
    if len(recent) >= MINT_PER_MINUTE:
        wait = (recent[len(recent) - MINT_PER_MINUTE]["expires_at"] - now).total_seconds()
        raise ReceiptRefused(429, f"this API key may mint at most {MINT_PER_MINUTE} receipts a minute",
                             retry_after=max(1, math.ceil(wait)))
    await KeyValue.delete().where(KeyValue.key.like(MINT_PREFIX + "%"), KeyValue.expires_at <= now)
    await KeyValue.insert(KeyValue(key=prefix + secrets.token_hex(8), value=b"", expires_at=now + timedelta(minutes=1)))


async def _one_live_receipt(hashed: str, now: datetime) -> None:
    """A dossier already answered gets no new receipt; a reprint expires the dossier's earlier live receipt."""
    same = Receipt.dossier_hash == hashed
    if await Receipt.exists().where(same, Receipt.response.is_not_null()):
        raise ReceiptRefused(409, "this dossier's receipt was already answered: one dossier, one answer")
    await Receipt.update({Receipt.expires_at: now}).where(
        same, Receipt.response.is_null(), (Receipt.expires_at.is_null()) | (Receipt.expires_at > now)
    )


async def _alert_beyond_volume(unit_id: int, now: datetime, tz: str) -> None:
    """A stored security event (and an audit row) the first time a unit's receipts of a month exceed its known
    dossiers of that month: more receipts than dossiers means codes minted for no one."""
    period = month_of(now, tz)
    volume = await DossierVolume.select(DossierVolume.dossiers).where(
        DossierVolume.unit == unit_id, DossierVolume.period == period
    ).first()
    if volume is None:
        return
    start, end = month_bounds(period, tz)
    issued = await Receipt.count().where(
        Receipt.counter.unit == unit_id, Receipt.issued_at >= start, Receipt.issued_at < end
    )
    if issued <= volume["dossiers"]:
        return
    subject = f"unit:{unit_id}:{period}"
    async with write_transaction():
        await serialise(f"alert:{subject}")
        if await SecurityEvent.exists().where(SecurityEvent.kind == ALERT, SecurityEvent.subject == subject):
            return
        detail = {"period": period, "receipts": issued, "dossiers": volume["dossiers"]}
        await SecurityEvent.insert(SecurityEvent(kind=ALERT, unit=unit_id, subject=subject, detail=detail))
        await record("security.alert", "system", target=subject, kind=ALERT, **detail)


async def security_events(unit_path: str, limit: int = 100) -> list[dict]:
    """The latest security events of units in scope (``unit_path`` and below), newest first, for the dashboard."""
    return await SecurityEvent.select(
        SecurityEvent.at, SecurityEvent.kind, SecurityEvent.subject, SecurityEvent.detail,
        SecurityEvent.unit.code.as_alias("unit_code"),
    ).where(SecurityEvent.unit.path.like(unit_path + "%")).order_by(SecurityEvent.at, ascending=False).limit(limit)


@dataclass(frozen=True)
class ResponseRate:
    issued: int
    answered: int

    @property
    def rate(self) -> float | None:
        """The share of receipts answered; None when none were issued (a rate of nothing is not zero)."""
        return self.answered / self.issued if self.issued else None


async def response_rate(unit_code: str, period: str, tz: str) -> ResponseRate:
    """Receipts issued in ``period`` (local month) at counters of ``unit_code`` and below, and how many were
    answered."""
    unit = await Unit.select(Unit.path).where(Unit.code == unit_code).first()
    if unit is None:
        raise ValueError(f"unknown unit {unit_code!r}")
    start, end = month_bounds(period, tz)
    scope = (
        Receipt.counter.unit.path.like(unit["path"] + "%") & (Receipt.issued_at >= start) & (Receipt.issued_at < end)
    )
    issued = await Receipt.count().where(scope)
    answered = await Receipt.count().where(scope & Receipt.response.is_not_null())
    return ResponseRate(issued=issued, answered=answered)
