"""The in-process copies of counters and key ids: requests that miss together read the database once."""

from __future__ import annotations

import asyncio

import pytest

from survey.db.cache import EngineCache


class CountingLoad:
    def __init__(self, value: object = "row", error: Exception | None = None) -> None:
        self.calls = 0
        self.value, self.error = value, error
        self.release = asyncio.Event()

    async def __call__(self) -> object:
        self.calls += 1
        await self.release.wait()
        if self.error:
            raise self.error
        return self.value


async def test_concurrent_misses_share_one_load(db):
    cache, load = EngineCache(ttl=60.0), CountingLoad()
    waiting = [asyncio.create_task(cache.get("k", load)) for _ in range(50)]
    await asyncio.sleep(0)
    load.release.set()
    assert await asyncio.gather(*waiting) == ["row"] * 50
    assert load.calls == 1
    assert await cache.get("k", load) == "row" and load.calls == 1


async def test_a_failed_load_reaches_every_waiter_and_is_not_kept(db):
    cache, load = EngineCache(ttl=60.0), CountingLoad(error=OSError("database down"))
    waiting = [asyncio.create_task(cache.get("k", load)) for _ in range(3)]
    await asyncio.sleep(0)
    load.release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert [type(r) for r in results] == [OSError] * 3
    retry = CountingLoad("fresh")
    retry.release.set()
    assert await cache.get("k", retry) == "fresh"


async def test_a_waiter_that_goes_away_does_not_cancel_the_others(db):
    cache, load = EngineCache(ttl=60.0), CountingLoad()
    first, second = (asyncio.create_task(cache.get("k", load)) for _ in range(2))
    await asyncio.sleep(0)
    first.cancel()
    load.release.set()
    assert await second == "row"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_forget_during_a_load_starts_a_new_one(db):
    cache, stale, fresh = EngineCache(ttl=60.0), CountingLoad("before"), CountingLoad("after")
    early = asyncio.create_task(cache.get("k", stale))
    await asyncio.sleep(0)
    cache.forget("k")
    fresh.release.set()
    assert await cache.get("k", fresh) == "after"
    stale.release.set()
    assert await early == "before"
    # The load begun before forget() may have read the old row: it is not what the cache keeps.
    assert await cache.get("k", CountingLoad("unused")) == "after"
