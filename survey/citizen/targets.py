"""From the token in ``/q/<token>`` to the counter being rated, or a refusal saying why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from survey.core.responses import Channel
from survey.core.text import Text, pick_language
from survey.core.units import path_ids
from survey.db.availability import unavailability_reported
from survey.db.cache import EngineCache
from survey.db.tables import Counter, Procedure, Receipt, Unit
from survey.qr.keys import kid_status
from survey.qr.tokens import CounterToken, TokenRefused, parse
from survey.settings import Settings

_places = EngineCache(ttl=60.0)
DEFAULT_STRATUM_LEVEL = Settings.stratum_level
_procedures = EngineCache(ttl=60.0)


@dataclass(frozen=True)
class Refusal:
    status: int
    message: Text

    def text(self, lang: str) -> str:
        return self.message.get(pick_language(lang))


NOT_OURS = Refusal(404, Text("Mã QR này không hợp lệ hoặc không do hệ thống phát hành.",
                             "This QR code is not valid or was not issued by this service."))
RETIRED = Refusal(410, Text("Mã QR này đã hết hiệu lực. Vui lòng quét mã mới tại quầy.",
                            "This QR code is no longer in use. Please scan the new code at the counter."))
COUNTER_CLOSED = Refusal(410, Text("Quầy này hiện không nhận đánh giá.", "This counter is not taking ratings at the moment."))
RECEIPT_EXPIRED = Refusal(410, Text("Mã trên phiếu hẹn đã hết hạn đánh giá.", "The code on this receipt has expired."))
RECEIPT_USED = Refusal(409, Text("Phiếu hẹn này đã được dùng để đánh giá. Cảm ơn Ông/Bà!",
                                 "This receipt has already been used to give a rating. Thank you!"))


class TargetRefused(Exception):
    def __init__(self, refusal: Refusal, reason: str) -> None:
        self.refusal = refusal
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Place:
    """A counter with what the page shows and the response records about where it is. ``active``: the
    counter and every unit above it are (a merged commune's counters close with it)."""

    counter_id: int
    counter_code: str
    counter_name: str
    instrument_key: str
    active: bool
    unit_id: int
    unit_name: str
    stratum_id: int
    presence_required: bool = False


@dataclass(frozen=True)
class Target:
    token: str
    channel: str
    place: Place
    receipt_id: int | None = None
    procedure_code: str | None = None


def stratum_of(path: str, levels: dict[int, str], stratum_level: str) -> int:
    """The unit of level ``stratum_level`` (SURVEY_STRATUM_LEVEL) on the unit's path; without one, the top
    unit below the root (or the root itself). Levels are data: the tree names them, a setting picks one."""
    ids = path_ids(path)
    strata = [unit_id for unit_id in ids if levels.get(unit_id) == stratum_level]
    if strata:
        return strata[-1]
    return ids[1] if len(ids) > 1 else ids[0]


async def _load_place(counter_id: int, stratum_level: str) -> Place | None:
    row = await Counter.select(
        Counter.id, Counter.code, Counter.name, Counter.instrument_key, Counter.active, Counter.presence_required,
        Counter.unit.id, Counter.unit.name, Counter.unit.path,
    ).where(Counter.id == counter_id).first()
    if row is None:
        return None
    path = row["unit.path"]
    chain = await Unit.select(Unit.id, Unit.level, Unit.active).where(Unit.id.is_in(list(path_ids(path))))
    levels = {r["id"]: r["level"] for r in chain}
    return Place(
        counter_id=row["id"], counter_code=row["code"], counter_name=row["name"], instrument_key=row["instrument_key"],
        active=row["active"] and all(r["active"] for r in chain), unit_id=row["unit.id"],
        unit_name=row["unit.name"], stratum_id=stratum_of(path, levels, stratum_level),
        presence_required=bool(row["presence_required"]),
    )


async def place(counter_id: int, stratum_level: str = DEFAULT_STRATUM_LEVEL) -> Place | None:
    return await _places.get((counter_id, stratum_level), lambda: _load_place(counter_id, stratum_level))


def forget_places() -> None:
    """After a change to counters or units: this process sees it at once, other workers within the TTL."""
    _places.forget()


async def procedures() -> list[tuple[str, str]]:
    """Active procedures as (code, name), by name: the choices of the procedure item."""

    async def load() -> list[tuple[str, str]]:
        rows = await Procedure.select(Procedure.code, Procedure.name).where(Procedure.active == True)  # noqa: E712
        return sorted(((r["code"], r["name"]) for r in rows), key=lambda pair: pair[1])

    return await _procedures.get("active", load)


async def procedure_codes() -> frozenset[str]:
    """The codes a procedure answer may take."""

    async def load() -> frozenset[str]:
        return frozenset(code for code, _ in await procedures())

    return await _procedures.get("codes", load)


async def procedure_ids_by_code() -> dict[str, int]:
    async def load() -> dict[str, int]:
        return {row["code"]: row["id"] for row in await Procedure.select(Procedure.id, Procedure.code)}

    return await _procedures.get("ids", load)


async def _counter_target(token: CounterToken, stratum_level: str) -> Target:
    status = await kid_status(token.kid)
    if status == "unknown":
        raise TargetRefused(NOT_OURS, "unknown key id")
    if status == "retired":
        raise TargetRefused(RETIRED, "retired key id")
    found = await place(token.counter_id, stratum_level)
    if found is None:
        raise TargetRefused(NOT_OURS, "unknown counter")
    if not found.active:
        raise TargetRefused(COUNTER_CLOSED, "inactive counter")
    return Target(token=token.text, channel=Channel.QR, place=found)


async def _receipt_target(text: str, token_id: str, stratum_level: str) -> Target:
    row = await Receipt.select(
        Receipt.id, Receipt.counter, Receipt.procedure.code, Receipt.expires_at, Receipt.response
    ).where(Receipt.token_id == token_id).first()
    if row is None:
        raise TargetRefused(NOT_OURS, "unknown receipt")
    if row["response"] is not None:
        raise TargetRefused(RECEIPT_USED, "receipt used")
    if row["expires_at"] is not None and row["expires_at"] <= datetime.now(UTC):
        raise TargetRefused(RECEIPT_EXPIRED, "receipt expired")
    found = await place(row["counter"], stratum_level)
    if found is None or not found.active:
        raise TargetRefused(COUNTER_CLOSED, "inactive counter")
    return Target(token=text, channel=Channel.RECEIPT, place=found, receipt_id=row["id"],
                  procedure_code=row["procedure.code"])


async def resolve(text: str, secret_key: str, stratum_level: str = DEFAULT_STRATUM_LEVEL) -> Target:
    try:
        token = parse(text, secret_key)
    except TokenRefused as refused:
        raise TargetRefused(NOT_OURS, refused.reason) from None
    if isinstance(token, CounterToken):
        return await _counter_target(token, stratum_level)
    return await _receipt_target(token.text, token.token_id, stratum_level)


async def resolve_or_unavailable(text: str, secret_key: str, stratum_level: str = DEFAULT_STRATUM_LEVEL) -> Target:
    """``resolve``, with a busy or unreachable database reported as DatabaseUnavailable."""
    with unavailability_reported():
        return await resolve(text, secret_key, stratum_level)
