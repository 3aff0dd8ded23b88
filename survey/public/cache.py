"""Compute once, serve many: an in-process cache where a stampede of requests for the same key waits
for one computation (single-flight), bounded by least-recent use.

Public pages are keyed on the data version (see ``survey.public.services.data_version``), so a changed
version makes new keys and the old entries fall out of the bound; nothing has to be invalidated by hand.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Values by key, computed at most once at a time per key; at most ``size`` kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.done: OrderedDict[Hashable, T] = OrderedDict()
        self.running: dict[Hashable, asyncio.Future[T]] = {}
        self.computations = 0  # how many times ``compute`` ran: what a stampede test counts

    def peek(self, key: Hashable) -> T | None:
        value = self.done.get(key)
        if value is not None:
            self.done.move_to_end(key)
        return value

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        if (value := self.peek(key)) is not None:
            return value
        if (waiting := self.running.get(key)) is not None:
            # shield: a client that goes away must not cancel the computation the others wait for.
            return await asyncio.shield(waiting)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self.running[key] = future
        self.computations += 1
        try:
            value = await compute()
        except BaseException as problem:
            future.set_exception(problem)
            future.exception()  # retrieved here, so an unawaited failure is not logged as lost
            raise
        finally:
            self.running.pop(key, None)
        self.done[key] = value
        while len(self.done) > self.size:
            self.done.popitem(last=False)
        future.set_result(value)
        return value

    def clear(self) -> None:
        self.done.clear()


class Ttl(Generic[T]):
    """One value recomputed (single-flight) when older than ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.value: T | None = None
        self.at = 0.0
        self.flight: SingleFlight[T] = SingleFlight(1)

    async def get(self, compute: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        if self.value is not None and now - self.at < self.seconds:
            return self.value
        value = await self.flight.get(now // max(self.seconds, 1e-3), compute)
        self.value, self.at = value, now
        return value

    def forget(self) -> None:
        self.value, self.at = None, 0.0
        self.flight.clear()
