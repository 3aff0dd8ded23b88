"""Short-lived in-process copies of rarely changing rows (key ids, counters, procedures).

A scan reads the same few rows again and again; keeping them for ``ttl`` seconds spares the database on
the hot path. Entries are kept per database engine, so one process serving (or testing) two databases never
mixes them. A change made through another worker becomes visible here after at most ``ttl`` seconds.

Concurrent misses of one key share one load: at start-up, or when an entry expires under load, hundreds of
requests in flight would otherwise each query the database for the same row, and wait seconds for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from survey.db.engine import current_engine


class EngineCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        # Keyed by the engine's id; the engine is kept beside its entries so that id is never reused.
        self._entries: dict[int, tuple[Any, dict[Hashable, tuple[float, Any]]]] = {}
        # Loads under way, by engine id and key, with the event loop running them.
        self._loading: dict[tuple[int, Hashable], tuple[asyncio.AbstractEventLoop, asyncio.Task]] = {}

    def _store(self) -> tuple[int, dict[Hashable, tuple[float, Any]]]:
        engine = current_engine()
        return id(engine), self._entries.setdefault(id(engine), (engine, {}))[1]

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        engine_id, store = self._store()
        now = time.monotonic()
        hit = store.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        loop = asyncio.get_running_loop()
        flight = (engine_id, key)
        running = self._loading.get(flight)
        if running is None or running[0] is not loop:
            task = loop.create_task(self._load(flight, store, now, load))
            running = self._loading[flight] = (loop, task)
            task.add_done_callback(lambda done: self._landed(flight, done))
        # Shielded: a request that goes away must not cancel the load the others are waiting for.
        return await asyncio.shield(running[1])

    async def _load(self, flight: tuple[int, Hashable], store: dict, now: float, load: Callable[[], Awaitable[Any]]) -> Any:
        value = await load()
        # Not kept when forget() came meanwhile: the value may have been read before the change.
        if flight in self._loading and self._loading[flight][1] is asyncio.current_task():
            store[flight[1]] = (now + self.ttl, value)
        return value

    def _landed(self, flight: tuple[int, Hashable], task: asyncio.Task) -> None:
        if flight in self._loading and self._loading[flight][1] is task:
            del self._loading[flight]
        if not task.cancelled():
            task.exception()  # every waiter may have gone; the failure is theirs, not a stray warning

    def forget(self, key: Hashable | None = None) -> None:
        engine_id, store = self._store()
        if key is None:
            store.clear()
        else:
            store.pop(key, None)
        for flight in [f for f in self._loading if f[0] == engine_id and (key is None or f[1] == key)]:
            del self._loading[flight]
