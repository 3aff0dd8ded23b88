"""Storing one citizen's answers: the response, its answers and the used receipt in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from instruments import Instrument
from survey.citizen import bulk
from survey.citizen.device import BURST_LIMIT, BURST_WINDOW_S
from survey.citizen.targets import RECEIPT_USED, Target, TargetRefused, procedure_ids_by_code
from survey.core.periods import month_of
from survey.core.responses import ResponseStatus
from survey.db.tables import Answer, Response
from survey.scoring import SCORE_COLUMNS, stored_scores

# Rows per INSERT of answers: 4 parameters each, well under the engines' limits on bound parameters.
ANSWER_CHUNK = 2000


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


Outcome = Stored | TargetRefused
RESPONSE_COLUMNS = (
    "instrument_key", "instrument_version", "counter", "unit", "stratum", "procedure", "channel", "received_at",
    "period", "status", "nonce", "device_hash", *SCORE_COLUMNS,
)
ANSWER_COLUMNS = ("response", "item_code", "value_num", "value_text")
CLAIM = "UPDATE receipt SET response = ? WHERE id = ? AND response IS NULL RETURNING id"


def _stored(rows: bulk.Rows) -> dict[str, Stored]:
    return {r["nonce"]: Stored(r["id"], r["status"], True, r["instrument_key"], r["instrument_version"]) for r in rows}


def _existing(nonces: list[str]) -> bulk.Statement:
    return ("SELECT id, nonce, status, instrument_key, instrument_version FROM response"
            f" WHERE nonce IN ({bulk.marks(len(nonces))})", nonces)


def _response_row(sub: Submission, status: str, now: datetime, tz: str, procedure_ids: dict[str, int]) -> tuple:
    place = sub.target.place
    answered = sub.answers.get("procedure")
    procedure_code = answered if isinstance(answered, str) else sub.target.procedure_code
    scores = stored_scores(sub.instrument, sub.answers)
    return (
        sub.instrument.key, sub.instrument.version, place.counter_id, place.unit_id, place.stratum_id,
        procedure_ids.get(procedure_code) if procedure_code else None, sub.channel, now, month_of(now, tz),
        status, sub.nonce, sub.device, *(scores[name] for name in SCORE_COLUMNS),
    )


def _answer_rows(response_id: int, answers: dict[str, int | str]) -> list[tuple]:
    return [
        (response_id, code, value if isinstance(value, int) else None, value if isinstance(value, str) else None)
        for code, value in answers.items()
    ]


def _batch(subs: list[Submission], tz: str, procedure_ids: dict[str, int]) -> bulk.Steps[list[Outcome]]:
    """The statements of one batch, each receiving its rows; returns each submission's outcome."""
    now = datetime.now(UTC)
    existing = _stored((yield _existing(sorted({sub.nonce for sub in subs}))))
    receipts = [sub.target.receipt_id for sub in subs if sub.target.receipt_id is not None]
    used: set[Any] = set()
    if receipts:
        sql = f"SELECT id FROM receipt WHERE id IN ({bulk.marks(len(receipts))}) AND response IS NOT NULL"
        used = {row["id"] for row in (yield (sql, receipts))}
    devices = sorted({sub.device for sub in subs})
    recent = yield (
        f"SELECT device_hash, counter, COUNT(*) AS n FROM response WHERE device_hash IN ({bulk.marks(len(devices))})"
        " AND received_at >= ? GROUP BY device_hash, counter",
        [*devices, now - timedelta(seconds=BURST_WINDOW_S)],
    )
    counts = {(row["device_hash"], row["counter"]): row["n"] for row in recent}
    outcomes: dict[int, Outcome] = {}
    new: dict[str, tuple[int, str]] = {}
    for index, sub in enumerate(subs):
        if sub.nonce in existing or sub.nonce in new:
            continue
        receipt = sub.target.receipt_id
        if receipt is not None:
            if receipt in used:
                outcomes[index] = TargetRefused(RECEIPT_USED, "receipt used")
                continue
            used.add(receipt)
        key = (sub.device, sub.target.place.counter_id)
        new[sub.nonce] = (index, ResponseStatus.FLAGGED if counts.get(key, 0) >= BURST_LIMIT else ResponseStatus.VALID)
        counts[key] = counts.get(key, 0) + 1
    ids: dict[str, int] = {}
    if new:
        rows = [_response_row(subs[index], status, now, tz, procedure_ids) for index, status in new.values()]
        # A nonce stored meanwhile by another worker is skipped here and found by the lookup at the end.
        inserted = yield bulk.insert("response", RESPONSE_COLUMNS, rows, on_conflict_ignore="nonce",
                                     returning=("id", "nonce"))
        ids = {row["nonce"]: row["id"] for row in inserted}
        answers = [answer for nonce, response_id in ids.items()
                   for answer in _answer_rows(response_id, subs[new[nonce][0]].answers)]
        for start in range(0, len(answers), ANSWER_CHUNK):
            yield bulk.insert("answer", ANSWER_COLUMNS, answers[start:start + ANSWER_CHUNK])
    for nonce, response_id in ids.items():
        index, status = new[nonce]
        sub = subs[index]
        if sub.target.receipt_id is not None and not (yield (CLAIM, [response_id, sub.target.receipt_id])):
            # Another worker's submission claimed the receipt first: this response is undone.
            yield ("DELETE FROM answer WHERE response = ?", [response_id])
            yield ("DELETE FROM response WHERE id = ?", [response_id])
            outcomes[index] = TargetRefused(RECEIPT_USED, "receipt used")
        else:
            outcomes[index] = Stored(response_id, status, False, sub.instrument.key, sub.instrument.version)
    unresolved = {sub.nonce for index, sub in enumerate(subs) if index not in outcomes} - existing.keys()
    if unresolved:
        existing.update(_stored((yield _existing(sorted(unresolved)))))
    return [outcomes[index] if index in outcomes else existing[sub.nonce] for index, sub in enumerate(subs)]


async def write_batch(subs: list[Submission], tz: str) -> list[Outcome]:
    """Store several submissions in ONE write transaction, each with its own outcome.

    A nonce already stored (or repeated within the batch) yields the stored response; a receipt already
    answered yields a refusal; neither disturbs the other submissions. A burst from one device at one
    counter is stored as ``flagged``.
    """
    return await bulk.run(_batch(subs, tz, await procedure_ids_by_code()))
