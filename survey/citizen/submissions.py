"""Storing one citizen's answers: the response, its answers and the used receipt in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from instruments import Instrument
from survey.citizen import bulk
from survey.citizen.device import BURST_LIMIT, BURST_WINDOW_S, NETWORK_LIMIT, RUN_LENGTH
from survey.citizen.plausible import counter_norms
from survey.citizen.presence import REASON as PRESENCE
from survey.citizen.targets import RECEIPT_USED, Target, TargetRefused, procedure_ids_by_code
from survey.core.periods import month_of
from survey.core.ratings import RATING_COLUMNS
from survey.core.responses import ResponseStatus
from survey.db.engine import current_engine
from survey.db.tables import Response
from survey.rollup.cells import Delta
from survey.rollup.statements import statements as rollup_statements
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
    network: str = ""
    # At a counter that requires presence, no fresh code from its screen came with the answer (layer d).
    presence_unproven: bool = False


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


Outcome = Stored | TargetRefused
RESPONSE_COLUMNS = (
    "instrument_key", "instrument_version", "counter", "unit", "stratum", "procedure", "channel", "received_at",
    "period", "status", "nonce", "device_hash", *SCORE_COLUMNS, "network_hash", "flag_reason",
)
ANSWER_COLUMNS = ("response", "item_code", "value_num", "value_text")
CLAIM = "UPDATE receipt SET response = ? WHERE id = ? AND response IS NULL RETURNING id"


def _stored(rows: bulk.Rows) -> dict[str, Stored]:
    return {r["nonce"]: Stored(r["id"], r["status"], True, r["instrument_key"], r["instrument_version"]) for r in rows}


def _existing(nonces: list[str]) -> bulk.Statement:
    return ("SELECT id, nonce, status, instrument_key, instrument_version FROM response"
            f" WHERE nonce IN ({bulk.marks(len(nonces))})", nonces)


def _response_row(sub: Submission, reason: str, now: datetime, tz: str, procedure_ids: dict[str, int]) -> tuple:
    place = sub.target.place
    answered = sub.answers.get("procedure")
    procedure_code = answered if isinstance(answered, str) else sub.target.procedure_code
    scores = stored_scores(sub.instrument, sub.answers)
    return (
        sub.instrument.key, sub.instrument.version, place.counter_id, place.unit_id, place.stratum_id,
        procedure_ids.get(procedure_code) if procedure_code else None, sub.channel, now, month_of(now, tz),
        ResponseStatus.FLAGGED if reason else ResponseStatus.VALID, sub.nonce, sub.device,
        *(scores[name] for name in SCORE_COLUMNS), sub.network, reason,
    )


def _answer_rows(response_id: int, answers: dict[str, int | str]) -> list[tuple]:
    return [
        (response_id, code, value if isinstance(value, int) else None, value if isinstance(value, str) else None)
        for code, value in answers.items()
    ]


# The first key of PostgreSQL's two-key advisory locks taken per counter by a batch ("burst" in ASCII).
BURST_LOCK = 0x62757273


@dataclass
class Tally:
    """Answers in the burst window per (layer, subject, counter), and each counter's latest ratings, kept up to
    date as a batch adds its own submissions one by one."""

    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)
    runs: dict[int, list[tuple]] = field(default_factory=dict)

    def add(self, sub: Submission, norms: dict[int, int]) -> str:
        """Count ``sub`` and return why it is flagged ("" when it is not): the first layer it exceeds."""
        counter = sub.target.place.counter_id
        scores = stored_scores(sub.instrument, sub.answers)
        rated = tuple(scores[c] for c in RATING_COLUMNS)
        run = self.runs.setdefault(counter, [])
        layers = [("address", ("device_hash", sub.device, counter), BURST_LIMIT)]
        if sub.network:
            layers.append(("network", ("network_hash", sub.network, counter), NETWORK_LIMIT))
        layers.append(("counter_rate", ("counter", "", counter), norms[counter]))
        reason = next((name for name, key, limit in layers if self.counts.get(key, 0) >= limit), "")
        if not reason and len(run) >= RUN_LENGTH - 1 and all(r == rated for r in run[-(RUN_LENGTH - 1):]):
            reason = "identical_run"
        if not reason and sub.presence_unproven:
            reason = PRESENCE
        for _name, key, _limit in layers:
            self.counts[key] = self.counts.get(key, 0) + 1
        run.append(rated)
        del run[:-(RUN_LENGTH - 1)]
        return reason


def _batch(
    subs: list[Submission], tz: str, procedure_ids: dict[str, int], norms: dict[int, int], engine: str
) -> bulk.Steps[list[Outcome]]:
    """The statements of one batch, each receiving its rows; returns each submission's outcome."""
    now = datetime.now(UTC)
    existing = _stored((yield _existing(sorted({sub.nonce for sub in subs}))))
    receipts = [sub.target.receipt_id for sub in subs if sub.target.receipt_id is not None]
    used: set[Any] = set()
    if receipts:
        sql = f"SELECT id FROM receipt WHERE id IN ({bulk.marks(len(receipts))}) AND response IS NOT NULL"
        used = {row["id"] for row in (yield (sql, receipts))}
    window = now - timedelta(seconds=BURST_WINDOW_S)
    counters = sorted({sub.target.place.counter_id for sub in subs})
    if engine == "postgres":
        # Other workers write to the same counters meanwhile: one lock per counter, taken in a fixed order,
        # makes the counts below exact (SQLite's write lock already does).
        for counter in counters:
            yield ("SELECT pg_advisory_xact_lock(?, ?)", [BURST_LOCK, counter])
    tally = Tally()
    for column, values in (("device_hash", {sub.device for sub in subs}),
                           ("network_hash", {sub.network for sub in subs if sub.network})):
        if values:
            rows = yield (f"SELECT {column} AS subject, counter, COUNT(*) AS n FROM response WHERE {column} IN"
                          f" ({bulk.marks(len(values))}) AND received_at >= ? GROUP BY {column}, counter",
                          [*sorted(values), window])
            tally.counts.update({(column, r["subject"], r["counter"]): r["n"] for r in rows})
    rows = yield (f"SELECT counter, COUNT(*) AS n FROM response WHERE counter IN ({bulk.marks(len(counters))})"
                  " AND received_at >= ? GROUP BY counter", [*counters, window])
    tally.counts.update({("counter", "", r["counter"]): r["n"] for r in rows})
    for counter in counters:
        rows = yield (f"SELECT {','.join(RATING_COLUMNS)} FROM response WHERE counter = ? AND received_at >= ?"
                      f" ORDER BY id DESC LIMIT {RUN_LENGTH - 1}", [counter, window])
        tally.runs[counter] = [tuple(r[c] for c in RATING_COLUMNS) for r in reversed(rows)]
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
        new[sub.nonce] = (index, tally.add(sub, norms))
    ids: dict[str, int] = {}
    rows: list[tuple] = []
    if new:
        rows = [_response_row(subs[index], reason, now, tz, procedure_ids) for index, reason in new.values()]
        # A nonce stored meanwhile by another worker is skipped here and found by the lookup at the end.
        inserted = yield bulk.insert("response", RESPONSE_COLUMNS, rows, on_conflict_ignore="nonce",
                                     returning=("id", "nonce"))
        ids = {row["nonce"]: row["id"] for row in inserted}
        answers = [answer for nonce, response_id in ids.items()
                   for answer in _answer_rows(response_id, subs[new[nonce][0]].answers)]
        for start in range(0, len(answers), ANSWER_CHUNK):
            yield bulk.insert("answer", ANSWER_COLUMNS, answers[start:start + ANSWER_CHUNK])
    for nonce, response_id in ids.items():
        index, reason = new[nonce]
        sub = subs[index]
        if sub.target.receipt_id is not None and not (yield (CLAIM, [response_id, sub.target.receipt_id])):
            # Another worker's submission claimed the receipt first: this response is undone.
            yield ("DELETE FROM answer WHERE response = ?", [response_id])
            yield ("DELETE FROM response WHERE id = ?", [response_id])
            outcomes[index] = TargetRefused(RECEIPT_USED, "receipt used")
        else:
            status = ResponseStatus.FLAGGED if reason else ResponseStatus.VALID
            outcomes[index] = Stored(response_id, status, False, sub.instrument.key, sub.instrument.version)
    # The reports' rollup counts the responses kept, in this same transaction: one upsert per key.
    kept = {nonce for nonce, response_id in ids.items() if not isinstance(outcomes.get(new[nonce][0]), TargetRefused)}
    delta = Delta(tz, now).add_all(dict(zip(RESPONSE_COLUMNS, row)) for row in rows
                                   if row[RESPONSE_COLUMNS.index("nonce")] in kept)
    for statement in rollup_statements(delta):  # noqa: UP028 (each statement is sent its rows back)
        yield statement
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
    norms = await counter_norms({sub.target.place.counter_id for sub in subs})
    engine = "sqlite" if isinstance(current_engine(), SQLiteEngine) else "postgres"
    return await bulk.run(_batch(subs, tz, await procedure_ids_by_code(), norms, engine))
