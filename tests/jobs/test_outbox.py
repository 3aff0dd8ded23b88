"""The job table on both engines: idempotent enqueue, claim, leases, backoff, the dead."""

from __future__ import annotations

import asyncio

from survey.db.tables import Job
from survey.jobs import outbox
from survey.jobs.worker import PermanentFailure, Worker


async def test_same_key_is_enqueued_once(db):
    assert await outbox.enqueue("probe", {"n": 1}, key="event-1")
    assert not await outbox.enqueue("probe", {"n": 2}, key="event-1")
    rows = await Job.select().output(load_json=True)
    assert len(rows) == 1 and rows[0]["payload"] == {"n": 1}


async def test_claim_takes_each_due_job_once(db):
    for n in range(5):
        await outbox.enqueue("probe", {"n": n})
    await outbox.enqueue("probe", {"n": "later"}, delay_s=3600)
    await outbox.enqueue("other", {"n": "other kind"})
    first = await outbox.claim("w1", ["probe"], lease_s=60, limit=3)
    second = await outbox.claim("w2", ["probe"], lease_s=60, limit=10)
    assert [job.payload["n"] for job in first] == [0, 1, 2]
    assert [job.payload["n"] for job in second] == [3, 4]
    assert await outbox.claim("w3", ["probe"], lease_s=60) == []
    assert all(job.attempt == 1 for job in first + second)


async def test_expired_lease_is_claimed_again_and_old_holder_is_fenced(db):
    await outbox.enqueue("probe", {})
    [held] = await outbox.claim("w1", ["probe"], lease_s=0.05)
    await asyncio.sleep(0.1)
    [taken] = await outbox.claim("w2", ["probe"], lease_s=60)
    assert taken.id == held.id and taken.attempt == 2
    assert not await outbox.finish(held)
    assert not await outbox.renew(held, 60)
    assert await outbox.finish(taken)
    assert (await outbox.counts())["done"] == 1


async def test_failures_back_off_then_die(db):
    await outbox.enqueue("probe", {}, max_attempts=2)
    [job] = await outbox.claim("w1", ["probe"], lease_s=60)
    assert await outbox.fail(job, "boom") == outbox.QUEUED
    row = await Job.select(Job.run_at, Job.last_error).first()
    delay_ms = row["run_at"] - outbox.now_ms()
    assert 1500 < delay_ms <= 2400 + 50 and row["last_error"] == "boom"
    assert await outbox.claim("w1", ["probe"], lease_s=60) == []  # not yet due
    await Job.update({Job.run_at: 0}).where(Job.id == job.id)
    [again] = await outbox.claim("w1", ["probe"], lease_s=60)
    assert again.attempt == 2
    assert await outbox.fail(again, "boom again") == outbox.DEAD
    assert await outbox.claim("w1", ["probe"], lease_s=60) == []
    assert await outbox.retry_dead(job.id)
    [revived] = await outbox.claim("w1", ["probe"], lease_s=60)
    assert revived.attempt == 1


def test_backoff_doubles_up_to_the_cap():
    assert [round(outbox.backoff_s(n, 1, 100) // 1) for n in (1, 2, 3)] in ([1, 2, 4],)
    assert 100 <= outbox.backoff_s(30, 1, 100) <= 120


async def test_last_attempt_of_a_dead_worker_is_dead_not_retried(db):
    await outbox.enqueue("probe", {}, max_attempts=1)
    await outbox.claim("w1", ["probe"], lease_s=0.05)
    await asyncio.sleep(0.1)
    assert await outbox.claim("w2", ["probe"], lease_s=60) == []
    row = await Job.select(Job.status, Job.last_error).first()
    assert row["status"] == "dead" and "stopped" in row["last_error"]


async def test_worker_runs_handlers_and_records_outcomes(db):
    seen = []

    async def ok(job):
        seen.append(job.payload["n"])

    async def broken(job):
        raise PermanentFailure("unusable payload")

    await outbox.enqueue("ok", {"n": 1})
    await outbox.enqueue("ok", {"n": 2})
    await outbox.enqueue("broken", {})
    await outbox.enqueue("unknown", {})
    worker = Worker({"ok": ok, "broken": broken}, lease_s=30, concurrency=2)
    await worker.run(until_idle=True)
    assert sorted(seen) == [1, 2]
    statuses = {row["kind"]: row["status"] for row in await Job.select(Job.kind, Job.status)}
    assert statuses == {"ok": "done", "broken": "dead", "unknown": "queued"}
    dead = await Job.select(Job.last_error).where(Job.kind == "broken").first()
    assert dead["last_error"] == "unusable payload"


async def test_periodic_jobs_are_stored_once_per_interval_whatever_the_number_of_workers(db):
    ran = []

    async def tick(job):
        ran.append(job.payload["slot"])

    workers = [Worker({"tick": tick}, periodic={"tick": 3600}) for _ in range(3)]
    for worker in workers:
        await worker.run(until_idle=True)
    assert len(ran) == 1
    assert await Job.count().where(Job.kind == "tick") == 1


async def test_prune_deletes_old_finished_jobs_only(db):
    for key in ("old-done", "old-dead", "new-done"):
        await outbox.enqueue("probe", {}, key=key, max_attempts=1)
    for job in await outbox.claim("w", ["probe"], lease_s=60, limit=3):
        if job.idempotency_key == "old-dead":
            await outbox.fail(job, "x")
        else:
            await outbox.finish(job)
    await Job.update({Job.run_at: 0}).where(Job.idempotency_key.is_in(["old-done", "old-dead"]))
    assert await outbox.prune(3600) == 1
    assert sorted(r["idempotency_key"] for r in await Job.select(Job.idempotency_key)) == ["new-done", "old-dead"]
