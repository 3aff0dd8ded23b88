"""Short-lived in-process copies of rarely changing rows (key ids, counters, procedures).

A scan reads the same few rows again and again; keeping them for ``ttl`` seconds spares the database on
the hot path. Entries are kept per database engine, so one process serving (or testing) two databases never
mixes them. A change made through another worker becomes visible here after at most ``ttl`` seconds.
"""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Hashable

from survey.db.engine import current_engine


class EngineCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        # Keyed by the engine's id; the engine is kept beside its entries so that id is never reused.
        self._entries: dict[int, tuple[Any, dict[Hashable, tuple[float, Any]]]] = {}

    def _store(self) -> dict[Hashable, tuple[float, Any]]:
        engine = current_engine()
        return self._entries.setdefault(id(engine), (engine, {}))[1]

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        store = self._store()
        now = time.monotonic()
        hit = store.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        store[key] = (now + self.ttl, value)
        return value

    def forget(self, key: Hashable | None = None) -> None:
        store = self._store()
        if key is None:
            store.clear()
        else:
            store.pop(key, None)
