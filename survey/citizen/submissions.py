"""Storing one citizen's answers: the response, its answers and the used receipt in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from instruments import Instrument

from survey.citizen.availability import is_duplicate_key, unavailability_reported
from survey.citizen.device import BURST_LIMIT, BURST_WINDOW_S
from survey.citizen.targets import RECEIPT_USED, Target, TargetRefused, procedure_id
from survey.db.engine import write_transaction
from survey.db.tables import Answer, Receipt, Response

RATING_COLUMNS = ("e1", "e2", "e3", "e4", "e5")


@dataclass(frozen=True)
class Submission:
    target: Target
    instrument: Instrument
    answers: dict[str, int | str]
    nonce: str
    device: str
    channel: str


@dataclass(frozen=True)
class Stored:
    response_id: int
    status: str
    duplicate: bool
    instrument_key: str
    instrument_version: int


def ratings(instrument: Instrument, answers: dict[str, int | str]) -> dict[str, int | None]:
    """e1..e5 and overall: each element's first answered rating item, in the index definition's order."""
    definition = instrument.index_definition()
    if len(definition.elements) > len(RATING_COLUMNS):
        raise ValueError(f"instrument {instrument.key} has more than {len(RATING_COLUMNS)} index elements")
    columns: dict[str, int | None] = dict.fromkeys(RATING_COLUMNS)
    for column, element in zip(RATING_COLUMNS, definition.elements):
        columns[column] = next((answers[code] for code in element.item_codes if code in answers), None)
    columns["overall"] = answers.get(definition.overall_item) if definition.overall_item else None
    return columns


def period_of(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


async def find_by_nonce(nonce: str) -> Stored | None:
    row = await Response.select(
        Response.id, Response.status, Response.instrument_key, Response.instrument_version
    ).where(Response.nonce == nonce).first()
    if row is None:
        return None
    return Stored(row["id"], row["status"], True, row["instrument_key"], row["instrument_version"])


async def stored_answers(response_id: int) -> dict[str, int | str]:
    rows = await Answer.select(Answer.item_code, Answer.value_num, Answer.value_text).where(
        Answer.response == response_id
    )
    return {r["item_code"]: r["value_num"] if r["value_num"] is not None else r["value_text"] for r in rows}


async def _status(device: str, counter_id: int, now: datetime) -> str:
    since = now - timedelta(seconds=BURST_WINDOW_S)
    recent = await Response.count().where(
        (Response.device_hash == device) & (Response.counter == counter_id) & (Response.received_at >= since)
    )
    return "flagged" if recent >= BURST_LIMIT else "valid"


async def _write(sub: Submission, tz: str) -> Stored:
    place = sub.target.place
    now = datetime.now(timezone.utc)
    answered = sub.answers.get("procedure")
    procedure_code = answered if isinstance(answered, str) else sub.target.procedure_code
    async with write_transaction():
        existing = await find_by_nonce(sub.nonce)
        if existing:
            return existing
        status = await _status(sub.device, place.counter_id, now)
        inserted = await Response.insert(Response(
            instrument_key=sub.instrument.key,
            instrument_version=sub.instrument.version,
            counter=place.counter_id,
            unit=place.unit_id,
            stratum=place.stratum_id,
            procedure=await procedure_id(procedure_code) if procedure_code else None,
            channel=sub.channel,
            received_at=now,
            period=period_of(now, tz),
            status=status,
            nonce=sub.nonce,
            device_hash=sub.device,
            **ratings(sub.instrument, sub.answers),
        ))
        response_id = inserted[0]["id"]
        await Answer.insert(*[
            Answer(response=response_id, item_code=code,
                   value_num=value if isinstance(value, int) else None,
                   value_text=value if isinstance(value, str) else None)
            for code, value in sub.answers.items()
        ])
        if sub.target.receipt_id is not None:
            claimed = await Receipt.update({Receipt.response: response_id}).where(
                (Receipt.id == sub.target.receipt_id) & Receipt.response.is_null()
            ).returning(Receipt.id)
            if not claimed:
                # Rolls the response back with the transaction: a receipt takes one answer only.
                raise TargetRefused(RECEIPT_USED, "receipt used")
    return Stored(response_id, status, False, sub.instrument.key, sub.instrument.version)


async def store(sub: Submission, tz: str) -> Stored:
    """Store ``sub`` once; a second call with the same nonce returns the first result."""
    with unavailability_reported():
        try:
            return await _write(sub, tz)
        except Exception as exc:
            if not is_duplicate_key(exc):
                raise
            # Two copies of one submission raced past the nonce check; the other one was stored.
            existing = await find_by_nonce(sub.nonce)
            if existing is None:
                raise
            return existing
