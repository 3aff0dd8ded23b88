"""The key-value ``Store`` behind sessions: namespaces, expiry, renewal, lazy purge."""

from __future__ import annotations

import asyncio

import pytest

from survey.accounts.store import KeyValueStore
from survey.db.tables import KeyValue


async def test_set_get_overwrite_delete(db):
    store = KeyValueStore("test")
    assert await store.get("k") is None
    await store.set("k", "first")
    await store.set("k", b"second")
    assert await store.get("k") == b"second"
    assert await store.exists("k")
    assert await store.expires_in("k") is None
    await store.delete("k")
    assert not await store.exists("k")


async def test_namespaces_are_separate(db):
    parent = KeyValueStore("test")
    child = parent.with_namespace("child")
    await parent.set("k", "p")
    await child.set("k", "c")
    assert await parent.get("k") == b"p" and await child.get("k") == b"c"
    await child.delete_all()
    assert await child.get("k") is None and await parent.get("k") == b"p"


async def test_expiry_renewal_and_purge(db):
    store = KeyValueStore("test")
    await store.set("short", "x", expires_in=1)
    await store.set("renewed", "y", expires_in=1)
    assert 0 <= await store.expires_in("short") <= 1
    assert await store.get("renewed", renew_for=60) == b"y"
    await asyncio.sleep(1.2)
    assert await store.get("short") is None
    assert await store.get("renewed") == b"y"
    assert await KeyValue.exists().where(KeyValue.key == "test:short")  # still there: purged lazily
    await store.set("other", "z")
    assert not await KeyValue.exists().where(KeyValue.key == "test:short")


def test_namespace_with_like_wildcards_is_refused():
    with pytest.raises(ValueError, match="namespace"):
        KeyValueStore("my_store")
