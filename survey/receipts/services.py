"""Minting receipt tokens and measuring how many of them were answered."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from survey.citizen.targets import DEFAULT_STRATUM_LEVEL, place
from survey.core.periods import month_bounds
from survey.db.engine import write_transaction
from survey.db.tables import Counter, Procedure, Receipt, Unit
from survey.qr.tokens import new_receipt_token, receipt_token_id
from survey.receipts.apikeys import ApiKey

DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 90


class ReceiptRefused(ValueError):
    """The receipt cannot be minted as asked; ``status`` is the HTTP status that says so."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
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
) -> Minted:
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
    async with write_transaction():
        await Receipt.insert(Receipt(
            token_id=receipt_token_id(token), counter=counter["id"], procedure=procedure_id,
            dossier_hash=dossier_hash(secret_key, dossier) if dossier else "", issued_at=now, expires_at=expires_at,
        ))
    return Minted(token=token, expires_at=expires_at)


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
