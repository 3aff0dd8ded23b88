"""Login throttling shared by all workers: one counter row per account name and per client address in ``kv_store``.

An attempt is *counted before its password is checked*, in one write transaction that locks the counter
(SQLite: the IMMEDIATE write lock; PostgreSQL: ``SELECT ... FOR UPDATE``), so a hundred simultaneous
guesses on several workers are admitted one by one and at most the limit of them reach the slow password
check. A success then forgives its own count.

Two rules, because an office puts all its officers behind one NAT address:

- per account name: ``limit`` attempts, then a wait that doubles with each further attempt (30 s, 1 min,
  2 min, ... up to the window), forgotten a day after the last attempt. A guesser gets about 100 tries a
  day; the owner who mistypes a few times waits seconds.
- per client address: a much higher limit (100 by default), then the full window: this stops one machine
  trying many names without locking out an office where one officer forgot a password.

A refused attempt is not counted (the wait would otherwise grow forever under a flood and lock the owner
out) and normally writes nothing: a plain read sees the wait. Only the first refusal of a wait writes, to
leave one ``login.throttled`` audit row per subject and wait, with a keyed hash instead of the typed name.
Names and addresses are stored only as keyed hashes: the table never holds an IP address, nor a password
typed by mistake into the user-name field.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from piccolo.engine.sqlite import SQLiteEngine

from survey.accounts.store import utcnow
from survey.audit import record
from survey.db.engine import current_engine, write_transaction
from survey.db.tables import KeyValue

PREFIX = "throttle:login"
DAY_S = 24 * 3600
EMPTY = b'{"n": 0, "next": 0.0}'


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Rule:
    """``limit`` attempts pass freely; the attempt that reaches it and each one after wait ``first_delay_s``,
    doubled each time, at most ``max_delay_s``; a subject quiet for ``forget_s`` starts again from zero."""

    kind: str
    limit: int
    first_delay_s: int
    max_delay_s: int
    forget_s: int

    def delay(self, attempts: int) -> int:
        if attempts < self.limit:
            return 0
        return min(self.max_delay_s, self.first_delay_s * 2 ** min(attempts - self.limit, 32))


@dataclass
class Tally:
    key: str
    rule: Rule
    attempts: int = 0
    next_at: float = 0.0  # Unix seconds before which no attempt is admitted
    noted_at: float = 0.0  # the wait already written to the audit log
    stored: bool = False

    @classmethod
    def parse(cls, key: str, rule: Rule, row: dict | None, now: datetime) -> Tally:
        counter = cls(key, rule)
        if row is None:
            return counter
        counter.stored = True
        if row["expires_at"] is not None and row["expires_at"] <= now:
            return counter  # forgotten
        value = json.loads(bytes(row["value"]))
        counter.attempts, counter.next_at, counter.noted_at = value["n"], value["next"], value.get("noted", 0.0)
        return counter

    def wait(self, now: datetime) -> float:
        return max(0.0, self.next_at - now.timestamp())

    def count(self, now: datetime, change: int = 1) -> None:
        self.attempts = max(0, self.attempts + change)
        delay = self.rule.delay(self.attempts)
        # No wait is no timestamp: a clock read before the lock was granted must not see a wait of 0.001 s.
        self.next_at = now.timestamp() + delay if delay else 0.0

    async def save(self, now: datetime) -> None:
        value = json.dumps({"n": self.attempts, "next": self.next_at, "noted": self.noted_at}).encode()
        expires_at = now + timedelta(seconds=self.rule.forget_s)
        if self.stored:
            await KeyValue.update({KeyValue.value: value, KeyValue.expires_at: expires_at}).where(
                KeyValue.key == self.key
            )
        else:
            await KeyValue.insert(KeyValue(key=self.key, value=value, expires_at=expires_at))


class LoginThrottle:
    def __init__(
        self, secret: str, max_failures: int, window_s: int, address_max_failures: int = 100,
        first_delay_s: int = 30,
    ) -> None:
        self.secret = secret
        self.account = Rule("account", max_failures, min(first_delay_s, window_s), window_s, DAY_S)
        self.address = Rule("address", address_max_failures, window_s, window_s, window_s)

    def subjects(self, username: str, client_ip: str) -> tuple[tuple[str, Rule], tuple[str, Rule]]:
        # Always the account first, then the address: a fixed lock order, so two attempts never deadlock.
        return (
            (f"{PREFIX}:user:{keyed_hash(self.secret, 'login-user', username.strip().lower())}", self.account),
            (f"{PREFIX}:client:{keyed_hash(self.secret, 'client-ip', client_ip)}", self.address),
        )

    async def _read(self, username: str, client_ip: str, lock: bool) -> list[Tally]:
        now = utcnow()
        counters = []
        for key, rule in self.subjects(username, client_ip):
            query = KeyValue.select(KeyValue.value, KeyValue.expires_at).where(KeyValue.key == key)
            if lock:
                # The row must exist to be locked: the first attempts on a name arrive together.
                await KeyValue.raw(
                    "INSERT INTO kv_store (key, value, expires_at) VALUES ({}, {}, {}) ON CONFLICT (key) DO NOTHING",
                    key, EMPTY, now + timedelta(seconds=rule.forget_s),
                )
                if not isinstance(current_engine(), SQLiteEngine):
                    # On SQLite the IMMEDIATE transaction already holds the whole database's write lock.
                    query = query.lock_rows("UPDATE")
            counters.append(Tally.parse(key, rule, await query.first(), now))
        return counters

    async def retry_after(self, username: str, client_ip: str) -> int:
        """Seconds until an attempt would be admitted; 0 when it would be now. Reads only."""
        now = utcnow()
        return math.ceil(max(c.wait(now) for c in await self._read(username, client_ip, lock=False)))

    async def admit(self, username: str, client_ip: str) -> int:
        """Count this attempt and return 0, or return the seconds to wait (the attempt is not counted)."""
        now = utcnow()
        unread = await self._read(username, client_ip, lock=False)
        if any(c.wait(now) and c.noted_at >= c.next_at for c in unread):
            # A wait already noted: refuse without writing, so a flood costs the database reads only.
            return math.ceil(max(c.wait(now) for c in unread))
        async with write_transaction():
            now = utcnow()
            counters = await self._read(username, client_ip, lock=True)
            wait = max(c.wait(now) for c in counters)
            if wait:
                for counter in counters:
                    if counter.wait(now) and counter.noted_at < counter.next_at:
                        counter.noted_at = counter.next_at
                        await counter.save(now)
                        await record("login.throttled", "anonymous", target=counter.key.rsplit(":", 1)[1],
                                     subject=counter.rule.kind, attempts=counter.attempts,
                                     wait_s=math.ceil(counter.wait(now)))
                return math.ceil(wait)
            for counter in counters:
                counter.count(now)
                await counter.save(now)
        return 0

    async def succeeded(self, username: str, client_ip: str) -> None:
        """Forget the account name's attempts and give the address back the attempt that succeeded: a good
        password proves the owner, but does not reset what a guesser at that address did before."""
        async with write_transaction():
            now = utcnow()
            account, address = await self._read(username, client_ip, lock=True)
            if account.stored:
                await KeyValue.delete().where(KeyValue.key == account.key)
            if address.stored and address.attempts:
                address.count(now, change=-1)
                await address.save(now)
