"""Group commit: concurrent submissions share one write transaction.

Each submission waits on a future; one writer task per event loop and database takes everything queued
while the previous transaction ran and writes it in the next. Under light load a batch is one submission
(no added delay); under heavy load the per-transaction cost (a connection, the write lock, the fsync) is
paid once per batch instead of once per citizen, and writers never queue on SQLite's busy timeout.

Between those two, at a steady few hundred submissions a second, each would still get a transaction of its
own. So a busy writer (its last transaction ended less than ``BUSY_S`` ago) waits ``GATHER_S`` before the
next one and takes in what arrives meanwhile, as PostgreSQL's ``commit_delay`` does; an idle writer writes
at once. Measured at 1,000 submissions/s: server CPU per submission 0.86-0.93 ms without, 0.72-0.73 ms
with, for 2 ms more at the median.
"""

from __future__ import annotations

import asyncio
import time

from survey.citizen.submissions import Stored, Submission, write_batch
from survey.db.availability import unavailability_reported
from survey.db.engine import current_engine
from survey.db.storage import write_failed, write_succeeded

MAX_BATCH = 256
GATHER_S = 0.002
BUSY_S = 0.005
# A queue this long already shares its transaction well: no reason to wait for more.
GATHER_UP_TO = 8


class _Writer:
    def __init__(self, tz: str) -> None:
        self.tz = tz
        self.queue: list[tuple[Submission, asyncio.Future]] = []
        self.task: asyncio.Task | None = None
        self.finished = float("-inf")

    def add(self, sub: Submission) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.queue.append((sub, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return future

    async def _drain(self) -> None:
        while self.queue:
            if len(self.queue) < GATHER_UP_TO and time.monotonic() - self.finished < BUSY_S:
                await asyncio.sleep(GATHER_S)
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                with unavailability_reported():
                    outcomes = await write_batch([sub for sub, _ in batch], self.tz)
            except Exception as exc:  # the whole transaction failed: every submission in it learns why
                write_failed(exc.__cause__ or exc)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self.finished = time.monotonic()
            write_succeeded()
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
    writer = _writers.setdefault((id(engine), id(loop)), (engine, loop, _Writer(tz)))[2]
    return await writer.add(sub)
