"""Key ids for counter tokens: the newest one in service signs new posters, older ones verify until retired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from survey.audit import record
from survey.db.cache import EngineCache
from survey.db.engine import write_transaction
from survey.db.tables import SigningKey
from survey.qr.tokens import kid_name, kid_number

_status = EngineCache(ttl=30.0)


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None

    @property
    def in_service(self) -> bool:
        return self.retired_at is None


async def list_keys() -> list[KeyInfo]:
    rows = await SigningKey.select(SigningKey.kid, SigningKey.created_at, SigningKey.retired_at)
    keys = [KeyInfo(r["kid"], r["created_at"], r["retired_at"]) for r in rows]
    return sorted(keys, key=lambda key: kid_number(key.kid))


async def _next_kid() -> str:
    numbers = [kid_number(row["kid"]) for row in await SigningKey.select(SigningKey.kid)]
    return kid_name(max(numbers, default=0) + 1)


async def rotate(actor: str = "system") -> str:
    """Add a key id; posters printed from now on carry it."""
    async with write_transaction():
        kid = await _next_kid()
        await SigningKey.insert(SigningKey(kid=kid, created_at=datetime.now(UTC)))
        await record("qr.key.rotate", actor, target=kid)
    _status.forget()
    return kid


async def retire(kid: str, actor: str = "system") -> None:
    """Stop accepting tokens signed with ``kid``: posters carrying it stop working."""
    kid_number(kid)
    async with write_transaction():
        row = await SigningKey.select(SigningKey.retired_at).where(SigningKey.kid == kid).first()
        if row is None:
            raise ValueError(f"unknown key id {kid!r}")
        if row["retired_at"] is not None:
            raise ValueError(f"key id {kid} is already retired")
        await SigningKey.update({SigningKey.retired_at: datetime.now(UTC)}).where(SigningKey.kid == kid)
        await record("qr.key.retire", actor, target=kid)
    _status.forget()


async def signing_kid() -> str:
    """The newest key id in service, created on first use."""
    in_service = [key for key in await list_keys() if key.in_service]
    if in_service:
        return in_service[-1].kid
    return await rotate()


async def kid_status(kid: str) -> str:
    """"active", "retired" or "unknown"."""

    async def load() -> str:
        row = await SigningKey.select(SigningKey.retired_at).where(SigningKey.kid == kid).first()
        if row is None:
            return "unknown"
        return "active" if row["retired_at"] is None else "retired"

    status = await _status.get(kid, load)
    if status == "unknown":
        # A kid added by another worker a moment ago must verify here at once, so absence is not remembered.
        _status.forget(kid)
    return status
