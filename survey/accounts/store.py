"""A litestar ``Store`` kept in the shared ``kv_store`` table, so every server worker sees the same values
and they survive a restart.

Keys are namespaced (``sessions:<id>``); a value past its expiry reads as absent, and expired rows of any
namespace are deleted whenever something is written, so the table never grows with dead entries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from litestar.stores.base import NamespacedStore

from survey.db.engine import write_transaction
from survey.db.tables import KeyValue

# LIKE treats "_" and "%" as wildcards: namespaces without them can be matched by prefix safely.
NAMESPACE = re.compile(r"^[a-z0-9:.-]{1,64}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    delta = expires_in if isinstance(expires_in, timedelta) else timedelta(seconds=expires_in)
    return utcnow() + delta


async def purge_expired() -> None:
    await KeyValue.delete().where(KeyValue.expires_at < utcnow())


class KeyValueStore(NamespacedStore):
    """With ``key_secret``, keys are stored as their keyed hash: a copy of the database (a backup, a file read
    by another local user) then holds no working session id."""

    def __init__(self, namespace: str = "kv", key_secret: str | None = None) -> None:
        if not NAMESPACE.match(namespace):
            raise ValueError(f"store namespace must be lower-case letters, digits, ':', '.' or '-', not {namespace!r}")
        self.namespace = namespace
        self.key_secret = key_secret

    def with_namespace(self, namespace: str) -> KeyValueStore:
        return KeyValueStore(f"{self.namespace}:{namespace}", self.key_secret)

    def _key(self, key: str) -> str:
        if self.key_secret is not None:
            text = f"store:{self.namespace}:{key}".encode()
            key = hmac.new(self.key_secret.encode(), text, hashlib.sha256).hexdigest()
        full = f"{self.namespace}:{key}"
        if len(full) > 255:
            raise ValueError("store key is longer than 255 characters")
        return full

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        full = self._key(key)
        async with write_transaction():
            await purge_expired()
            await KeyValue.delete().where(KeyValue.key == full)
            await KeyValue.insert(KeyValue(key=full, value=data, expires_at=expiry(expires_in)))

    async def _live(self, key: str) -> dict | None:
        row = await KeyValue.select(KeyValue.value, KeyValue.expires_at).where(KeyValue.key == self._key(key)).first()
        if row is None or (row["expires_at"] is not None and row["expires_at"] <= utcnow()):
            return None
        return row

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await self._live(key)
        if row is None:
            return None
        if renew_for is not None and row["expires_at"] is not None:
            async with write_transaction():
                await KeyValue.update({KeyValue.expires_at: expiry(renew_for)}).where(KeyValue.key == self._key(key))
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        async with write_transaction():
            await KeyValue.delete().where(KeyValue.key == self._key(key))

    async def delete_all(self) -> None:
        async with write_transaction():
            await KeyValue.delete().where(KeyValue.key.like(f"{self.namespace}:%"))

    async def exists(self, key: str) -> bool:
        return await self._live(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await self._live(key)
        if row is None or row["expires_at"] is None:
            return None
        return max(0, int((row["expires_at"] - utcnow()).total_seconds()))
