"""API keys for the one-stop-shop software: shown once, stored only as a keyed hash, scoped to a unit.

A key is kept in the shared key-value store under ``apikey:<HMAC(secret, key)>`` with its name and unit,
so a copy of the database does not hand out working keys.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from survey.audit import record
from survey.db.engine import write_transaction
from survey.db.tables import KeyValue, Unit

PREFIX = "apikey:"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


@dataclass(frozen=True)
class ApiKey:
    name: str
    unit_code: str
    unit_id: int
    unit_path: str

    def covers(self, path: str) -> bool:
        """Whether a unit with materialised ``path`` is this key's unit or lies under it."""
        return path.startswith(self.unit_path)


def key_hash(secret_key: str, key: str) -> str:
    return hmac.new(secret_key.encode(), f"apikey:{key}".encode(), hashlib.sha256).hexdigest()


async def _ids_named(name: str) -> list[int]:
    rows = await KeyValue.select(KeyValue.id, KeyValue.value).where(KeyValue.key.like(PREFIX + "%"))
    return [row["id"] for row in rows if json.loads(bytes(row["value"]))["name"] == name]


async def create(secret_key: str, name: str, unit_code: str, actor: str = "system") -> str:
    """A new key for ``unit_code`` and everything under it; the only time the key itself is seen.

    Names are unique, so that a key can be revoked by the name its holder is known by.
    """
    if not _NAME.fullmatch(name):
        raise ValueError("an API key name is 1-64 letters, digits, spaces, '.', '_' or '-'")
    key = "sk_" + secrets.token_urlsafe(32)
    async with write_transaction():
        unit = await Unit.select(Unit.id).where(Unit.code == unit_code).first()
        if unit is None:
            raise ValueError(f"unknown unit {unit_code!r}")
        if await _ids_named(name):
            raise ValueError(f"an API key named {name!r} exists; revoke it first or choose another name")
        value = {"name": name, "unit": unit_code, "created_at": datetime.now(UTC).isoformat()}
        await KeyValue.insert(KeyValue(key=PREFIX + key_hash(secret_key, key), value=json.dumps(value).encode()))
        await record("apikey.create", actor, target=name, unit=unit_code)
    return key


async def revoke(name: str, actor: str = "system") -> None:
    """Delete the key named ``name``: the software holding it is refused from the next request on."""
    async with write_transaction():
        ids = await _ids_named(name)
        if not ids:
            raise ValueError(f"there is no API key named {name!r}")
        await KeyValue.delete().where(KeyValue.id.is_in(ids))
        await record("apikey.revoke", actor, target=name)


async def listing() -> list[dict[str, str]]:
    rows = await KeyValue.select(KeyValue.value).where(KeyValue.key.like(PREFIX + "%"))
    return sorted((json.loads(bytes(row["value"])) for row in rows), key=lambda entry: entry["name"])


async def authenticate(secret_key: str, key: str) -> ApiKey | None:
    if not key.startswith("sk_") or len(key) > 100:
        return None
    row = await KeyValue.select(KeyValue.value).where(KeyValue.key == PREFIX + key_hash(secret_key, key)).first()
    if row is None:
        return None
    value = json.loads(bytes(row["value"]))
    unit = await Unit.select(Unit.id, Unit.path).where(Unit.code == value["unit"]).first()
    if unit is None:
        return None
    return ApiKey(name=value["name"], unit_code=value["unit"], unit_id=unit["id"], unit_path=unit["path"])
