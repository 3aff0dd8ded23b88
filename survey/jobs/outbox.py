"""The durable job table (outbox): enqueue, claim, finish, retry, and the dead.

Why a small table of our own rather than a library. We looked at the three the issue names:

- procrastinate keeps its queue in PostgreSQL only (PL/pgSQL functions, LISTEN/NOTIFY, its own migrations)
  and has no SQLite store, while SQLite is this platform's embedded default;
- huey 3 stores tasks in Redis, SQLite or PostgreSQL, but through its own synchronous drivers (sqlite3,
  psycopg) beside our asyncpg pool, with its own table our migrations, backups and admin pages do not know,
  pickled task payloads, and no lease: a consumer killed mid-task loses that task unless it is re-enqueued by
  hand;
- APScheduler is a scheduler first; its 4.x series, which has shared SQLite/PostgreSQL data stores, is
  marked by its author as a pre-release not to be used in production, and it brings SQLAlchemy.

What the platform needs fits in one table and four statements that run on both engines: a job is claimed
atomically (one ``UPDATE ... RETURNING``; on PostgreSQL over ``SELECT ... FOR UPDATE SKIP LOCKED`` so that
workers never wait on each other, on SQLite inside an immediate transaction, which holds the database's
single write lock), under a lease: a worker that dies (kill -9, power loss) simply stops renewing it, and the
job is claimed again once the lease has expired. Delivery is therefore at least once; each job carries an
idempotency key that is unique in the table (enqueuing twice stores once) and is sent to receivers so they
can drop a retry they already applied. A failed attempt is retried after an exponential backoff with
jitter; after ``max_attempts`` the job is *dead*, listed for administrators, who can send it again.

Finishing and failing are fenced by ``(locked_by, attempts)``: a worker whose lease ran out and whose job
was taken over cannot overwrite the newer attempt's outcome.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from survey.db.engine import current_engine, write_transaction
from survey.db.tables import Job

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"
STATUSES = (QUEUED, RUNNING, DONE, DEAD)
DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 3600.0
ERROR_LIMIT = 2000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class ClaimedJob:
    """A job a worker holds: ``attempt`` (1 for the first) is its fencing token with ``worker``."""

    id: int
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    max_attempts: int
    worker: str


def backoff_s(attempt: int, base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S) -> float:
    """Seconds before attempt ``attempt + 1``: base·2^(attempt-1), capped, with up to 20% added at random so
    that jobs failing together (a receiver down) do not all come back in the same second."""
    delay = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    return delay * (1 + 0.2 * random.random())


async def enqueue(kind: str, payload: dict[str, Any], key: str | None = None, *, delay_s: float = 0.0,
                  max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> bool:
    """Store a job unless one with the same idempotency key exists; True when this call stored it.

    Runs in the caller's transaction when there is one, so that a job is enqueued exactly when the change
    it follows is committed (the outbox pattern).
    """
    key = key or f"{kind}:{uuid.uuid4().hex}"
    sql = ("INSERT INTO job (kind, payload, idempotency_key, status, attempts, max_attempts, run_at, locked_by, "
           "last_error, created_at) VALUES ({}, {}, {}, 'queued', 0, {}, {}, '', '', CURRENT_TIMESTAMP) "
           "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id")
    args = (kind, json.dumps(payload, ensure_ascii=False), key, max_attempts, now_ms() + int(delay_s * 1000))
    if current_engine().current_transaction.get() is not None:
        rows = await Job.raw(sql, *args)
    else:
        async with write_transaction():
            rows = await Job.raw(sql, *args)
    return bool(rows)


def _claim_sql(postgres: bool, kinds: int) -> str:
    lock = " FOR UPDATE SKIP LOCKED" if postgres else ""
    marks = ", ".join("{}" for _ in range(kinds))
    return (
        "UPDATE job SET status = 'running', attempts = attempts + 1, locked_by = {}, lease_until = {} "
        "WHERE id IN (SELECT id FROM job WHERE ((status = 'queued' AND run_at <= {}) "
        "OR (status = 'running' AND lease_until < {} AND attempts < max_attempts)) "
        "AND kind IN (" + marks + ") ORDER BY run_at, id LIMIT {}" + lock + ") "
        "RETURNING id, kind, payload, idempotency_key, attempts, max_attempts"
    )


async def claim(worker: str, kinds: list[str], lease_s: float, limit: int = 1) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs of these kinds for ``worker`` for ``lease_s`` seconds.

    A job whose holder's lease ran out is due again, unless it has used all its attempts: then it is dead.
    """
    if not kinds:
        return []
    sql = _claim_sql(isinstance(current_engine(), PostgresEngine), len(kinds))
    moment = now_ms()
    # An idle worker looks before it locks: on SQLite a write transaction per poll would take the database's
    # one write lock from the citizens' submissions every second for nothing.
    due = await Job.raw(
        "SELECT id FROM job WHERE (status = 'queued' AND run_at <= {}) OR (status = 'running' AND lease_until < {}) "
        "LIMIT 1", moment, moment)
    if not due:
        return []
    async with write_transaction():
        await Job.raw(
            "UPDATE job SET status = 'dead', lease_until = NULL, finished_at = CURRENT_TIMESTAMP, "
            "last_error = {} WHERE status = 'running' AND lease_until < {} AND attempts >= max_attempts",
            "the worker holding the last attempt stopped before finishing it", moment,
        )
        rows = await Job.raw(sql, worker, moment + int(lease_s * 1000), moment, moment, *kinds, limit)
    return [
        ClaimedJob(id=row["id"], kind=row["kind"], idempotency_key=row["idempotency_key"],
                   payload=row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"] or "{}"),
                   attempt=row["attempts"], max_attempts=row["max_attempts"], worker=worker)
        for row in sorted(rows, key=lambda row: row["id"])  # RETURNING keeps no order
    ]


async def renew(job: ClaimedJob, lease_s: float) -> bool:
    """Extend the lease of a job still held; False if it was taken over (the lease had run out)."""
    async with write_transaction():
        rows = await Job.raw(
            "UPDATE job SET lease_until = {} WHERE id = {} AND locked_by = {} AND attempts = {} "
            "AND status = 'running' RETURNING id",
            now_ms() + int(lease_s * 1000), job.id, job.worker, job.attempt,
        )
    return bool(rows)


async def finish(job: ClaimedJob) -> bool:
    """Mark a held job done; False if this worker no longer held it."""
    return job.id in await finish_many([job])


async def finish_many(jobs: list[ClaimedJob]) -> set[int]:
    """Mark several held jobs of one worker done in one transaction (a batch it claimed together); returns the
    ids it still held. One commit for the batch is what lets a worker keep up on SQLite, where each commit is
    a new connection and an fsync."""
    if not jobs:
        return set()
    done: set[int] = set()
    async with write_transaction():
        for job in jobs:
            rows = await Job.raw(
                "UPDATE job SET status = 'done', lease_until = NULL, last_error = '', "
                "finished_at = CURRENT_TIMESTAMP WHERE id = {} AND locked_by = {} AND attempts = {} "
                "AND status = 'running' RETURNING id",
                job.id, job.worker, job.attempt,
            )
            done |= {row["id"] for row in rows}
    return done


async def fail(job: ClaimedJob, error: str, *, permanent: bool = False) -> str:
    """Record a failed attempt: back to the queue after a backoff, or dead after the last attempt (or at once
    when ``permanent``). Returns the job's new status ("" if this worker no longer held it)."""
    dead = permanent or job.attempt >= job.max_attempts
    status = DEAD if dead else QUEUED
    run_at = now_ms() + int(backoff_s(job.attempt) * 1000)
    async with write_transaction():
        rows = await Job.raw(
            "UPDATE job SET status = {}, run_at = {}, lease_until = NULL, last_error = {}, "
            "finished_at = CASE WHEN {} THEN CURRENT_TIMESTAMP ELSE NULL END "
            "WHERE id = {} AND locked_by = {} AND attempts = {} AND status = 'running' RETURNING id",
            status, run_at, error[:ERROR_LIMIT], dead, job.id, job.worker, job.attempt,
        )
    return status if rows else ""


async def retry_dead(job_id: int) -> bool:
    """Send a dead job again, with a fresh set of attempts (an administrator's decision)."""
    async with write_transaction():
        rows = await Job.raw(
            "UPDATE job SET status = 'queued', attempts = 0, run_at = {}, finished_at = NULL "
            "WHERE id = {} AND status = 'dead' RETURNING id",
            now_ms(), job_id,
        )
    return bool(rows)


async def counts() -> dict[str, int]:
    """Jobs per status, every status present (zero when none)."""
    rows = await Job.raw("SELECT status, COUNT(*) AS n FROM job GROUP BY status")
    found = {row["status"]: int(row["n"]) for row in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def prune(keep_s: float) -> int:
    """Delete finished jobs older than ``keep_s`` seconds (dead ones stay until an administrator acts)."""
    cutoff = now_ms() - int(keep_s * 1000)
    async with write_transaction():
        rows = await Job.raw("DELETE FROM job WHERE status = 'done' AND run_at < {} RETURNING id", cutoff)
    return len(rows)
