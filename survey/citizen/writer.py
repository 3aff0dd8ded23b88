"""Group commit: concurrent submissions share one write transaction.

Each submission waits on a future; one writer task per event loop and database takes everything queued
while the previous transaction ran and writes it in the next. Under light load a batch is one submission
(no added delay); under heavy load the per-transaction cost (a connection, the write lock, the fsync) is
paid once per batch instead of once per citizen, and writers never queue on SQLite's busy timeout.

On SQLite the batch runs on an event loop of its own thread: every step of a transaction is a hop to
aiosqlite's thread and back, and on the request loop each hop waits behind hundreds of requests, which
held a batch of 256 open for half a second under load. PostgreSQL's pool belongs to the request loop, and
its steps are network round trips, so its batches stay there.
"""

from __future__ import annotations

import asyncio
import threading

from piccolo.engine.sqlite import SQLiteEngine

from survey.citizen.availability import unavailability_reported
from survey.citizen.submissions import Outcome, Stored, Submission, write_batch
from survey.db.engine import current_engine

MAX_BATCH = 256


class _WriterThread:
    """An event loop on a daemon thread, started on first use."""

    _loop: asyncio.AbstractEventLoop | None = None
    _lock = threading.Lock()

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                cls._loop = asyncio.new_event_loop()
                threading.Thread(target=cls._loop.run_forever, name="survey-writer", daemon=True).start()
            return cls._loop


async def _write(subs: list[Submission], tz: str, own_thread: bool) -> list[Outcome]:
    if not own_thread:
        return await write_batch(subs, tz)
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(write_batch(subs, tz), _WriterThread.loop()))


class _Writer:
    def __init__(self, tz: str, own_thread: bool) -> None:
        self.tz = tz
        self.own_thread = own_thread
        self.queue: list[tuple[Submission, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    def add(self, sub: Submission) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.queue.append((sub, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return future

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                with unavailability_reported():
                    outcomes = await _write([sub for sub, _ in batch], self.tz, self.own_thread)
            except Exception as exc:  # the whole transaction failed: every submission in it learns why
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes):
                if future.done():
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


_writers: dict[tuple[int, int], tuple[object, asyncio.AbstractEventLoop, _Writer]] = {}


async def store(sub: Submission, tz: str) -> Stored:
    """Store ``sub`` (once per nonce); raises TargetRefused for a used receipt, DatabaseUnavailable when
    the database is busy or down."""
    engine, loop = current_engine(), asyncio.get_running_loop()
    # Engine and loop are kept beside their writer so their ids cannot be reused by others meanwhile.
    writer = _writers.setdefault((id(engine), id(loop)), (engine, loop, _Writer(tz, isinstance(engine, SQLiteEngine))))[2]
    return await writer.add(sub)
