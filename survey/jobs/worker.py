"""The worker loop: claim due jobs, run their handler under a renewed lease, record the outcome.

A handler is an ``async`` function of the claimed job. The jobs claimed together are marked done together,
in one transaction (on SQLite each commit costs a new connection and an fsync), their leases kept until then. Returning means done; raising ``PermanentFailure``
means no retry can help (the job is dead at once); any other exception is retried after a backoff. The
lease is renewed every third of its length while the handler runs, so a long export keeps its job and a
killed worker's job is claimed again by another worker about one lease later.

Long jobs (an export, a digest with its PDF) run detached: the worker keeps claiming and finishing short ones
(webhooks, e-mail) while they run, up to ``concurrency`` long jobs at once.

Several workers may run, in one process or many, on one machine or many: they share nothing but the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from survey.jobs import outbox
from survey.jobs.outbox import ClaimedJob

log = logging.getLogger("survey.jobs")

Handler = Callable[[ClaimedJob], Awaitable[None]]


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot succeed (the job's data is unusable, the target is gone)."""


def worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Worker:
    handlers: dict[str, Handler]
    lease_s: float = 60.0
    poll_s: float = 1.0
    concurrency: int = 4
    name: str = field(default_factory=worker_name)
    periodic: dict[str, float] = field(default_factory=dict)
    long_kinds: frozenset[str] = frozenset()
    processed: int = 0
    _detached: set[asyncio.Task] = field(default_factory=set)
    _slots: dict[str, int] = field(default_factory=dict)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self) -> None:
        self._stopping.set()

    async def run_job(self, job: ClaimedJob, batch: list[ClaimedJob] | None = None) -> str:
        """Run one claimed job to its outcome; returns the status it was left in. With ``batch``, a job that
        succeeds is appended to it for the caller to mark done with the others in one transaction."""
        handler = self.handlers.get(job.kind)
        # In a batch the caller keeps every lease until the batch is marked done together.
        keeper = asyncio.create_task(self._keep_lease(job)) if batch is None else None
        try:
            if handler is None:
                raise PermanentFailure(f"no handler for jobs of kind {job.kind!r}")
            await handler(job)
        except PermanentFailure as exc:
            status = await outbox.fail(job, str(exc) or type(exc).__name__, permanent=True)
        except Exception as exc:  # every failure is recorded on the job and retried; none stops the worker
            log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempt, exc)
            status = await outbox.fail(job, f"{type(exc).__name__}: {exc}")
        else:
            if batch is not None:
                batch.append(job)
                status = outbox.DONE
            else:
                status = outbox.DONE if await outbox.finish(job) else ""
        finally:
            if keeper:
                keeper.cancel()
        self.processed += 1
        return status

    async def _keep_lease(self, job: ClaimedJob) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not await outbox.renew(job, self.lease_s):
                log.warning("job %s: lease lost to another worker", job.id)
                return

    async def schedule(self) -> None:
        """Enqueue each periodic kind once per interval. The idempotency key names the interval, so however
        many workers run, each interval's job is stored once; each worker asks only when its interval turns."""
        moment = outbox.now_ms()
        for kind, every_s in self.periodic.items():
            slot = int(moment // (every_s * 1000))
            if self._slots.get(kind) != slot:
                await outbox.enqueue(kind, {"slot": slot}, key=f"{kind}:{slot}", max_attempts=3)
                self._slots[kind] = slot

    async def run_once(self) -> int:
        """Claim what is due (up to ``concurrency``) and run it; returns how many jobs were run."""
        await self.schedule()
        kinds = list(self.handlers)
        if len(self._detached) >= self.concurrency:
            kinds = [kind for kind in kinds if kind not in self.long_kinds]
        jobs = await outbox.claim(self.name, kinds, self.lease_s, limit=self.concurrency)
        for job in [job for job in jobs if job.kind in self.long_kinds]:
            task = asyncio.create_task(self.run_job(job))  # its own lease keeper and outcome
            self._detached.add(task)
            task.add_done_callback(self._detached.discard)
        jobs = [job for job in jobs if job.kind not in self.long_kinds]
        succeeded: list[ClaimedJob] = []
        keepers = [asyncio.create_task(self._keep_lease(job)) for job in jobs]
        try:
            await asyncio.gather(*(self.run_job(job, succeeded) for job in jobs))
            await outbox.finish_many(succeeded)
        finally:
            for keeper in keepers:
                keeper.cancel()
        return len(jobs)

    async def run(self, *, until_idle: bool = False) -> None:
        """Process jobs until ``stop()`` (or, with ``until_idle``, until nothing is due)."""
        log.info("worker %s started for %s", self.name, ", ".join(sorted(self.handlers)))
        while not self._stopping.is_set():
            try:
                ran = await self.run_once()
            except OSError:
                log.warning("database unavailable; worker %s waits", self.name, exc_info=True)
                ran = 0
            if ran:
                continue
            if until_idle and self._detached:
                await asyncio.wait(set(self._detached))
                continue
            if until_idle:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.poll_s)
        if self._detached:  # stopping: the long jobs in hand finish first
            await asyncio.wait(set(self._detached))
