"""What the clients sent and what the server acknowledged, checked against the database afterwards.

The promise under test: every acknowledged submission is stored exactly once, and nothing is stored half
(a response without its answers, or answers without their response), whatever happened to the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from piccolo.query.functions.aggregate import Count

from survey.db.engine import bind, engine_from_settings
from survey.db.tables import Answer, Response
from survey.settings import Settings

# Constant SQL, no input: orphaned answers, and responses that have no answers at all.
ORPHAN_ANSWERS = "SELECT COUNT(*) AS n FROM answer a LEFT JOIN response r ON r.id = a.response WHERE r.id IS NULL"
EMPTY_RESPONSES = (
    "SELECT COUNT(*) AS n FROM response r WHERE NOT EXISTS (SELECT 1 FROM answer a WHERE a.response = r.id)"
)


@dataclass
class Ledger:
    """Per nonce, how many answers the submission carried; and which of them the server acknowledged."""

    answers: dict[str, int] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)

    def attempt(self, nonce: str, answer_count: int) -> None:
        self.answers[nonce] = answer_count

    def acknowledge(self, nonce: str) -> None:
        self.acknowledged.add(nonce)


@dataclass(frozen=True)
class Reconciliation:
    stored: int
    acknowledged: int
    problems: list[str]


async def max_response_id(settings: Settings) -> int:
    bind(engine_from_settings(settings))
    last = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
    return last["id"] if last else 0


async def reconcile(settings: Settings, ledger: Ledger, after_id: int) -> Reconciliation:
    """Compare the responses stored after ``after_id`` with the ledger; ``problems`` is empty when all is well."""
    bind(engine_from_settings(settings))
    rows = await Response.select(Response.id, Response.nonce).where(Response.id > after_id)
    counts = await Answer.select(Answer.response, Count(Answer.id, alias="n")).where(
        Answer.response > after_id
    ).group_by(Answer.response)
    answers_of = {row["response"]: row["n"] for row in counts}
    problems: list[str] = []
    by_nonce: dict[str, list[int]] = {}
    for row in rows:
        by_nonce.setdefault(row["nonce"], []).append(row["id"])
    for nonce, ids in by_nonce.items():
        if nonce not in ledger.answers:
            problems.append(f"response {ids} has a nonce no client sent")
        if len(ids) > 1:
            problems.append(f"nonce {nonce} stored {len(ids)} times")
        for response_id in ids:
            if answers_of.get(response_id, 0) != ledger.answers.get(nonce):
                problems.append(f"response {response_id} has {answers_of.get(response_id, 0)} answers, "
                                f"sent {ledger.answers.get(nonce)}")
    problems += [f"acknowledged {nonce} is not stored" for nonce in sorted(ledger.acknowledged - by_nonce.keys())]
    for label, sql in (("answers without a response", ORPHAN_ANSWERS), ("responses without answers", EMPTY_RESPONSES)):
        found = (await Response.raw(sql))[0]["n"]
        if found:
            problems.append(f"{found} {label} in the whole database")
    return Reconciliation(stored=len(rows), acknowledged=len(ledger.acknowledged), problems=problems)
