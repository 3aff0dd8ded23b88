"""Login throttling shared by all workers: each failed attempt is one expiring row in ``kv_store``.

A sliding window: an account name or a client is refused once it has ``max_failures`` failures younger
than ``window_s``. Refused attempts are not recorded, so the rows per name or client stay bounded.
Names and client addresses are stored only as keyed hashes: the table never holds an IP address, nor a
password typed by mistake into the user-name field.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import timedelta

from survey.accounts.store import purge_expired, utcnow
from survey.db.engine import write_transaction
from survey.db.tables import KeyValue

PREFIX = "throttle:login"


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, secret: str, max_failures: int, window_s: int) -> None:
        self.secret = secret
        self.max_failures = max_failures
        self.window_s = window_s

    def subjects(self, username: str, client_ip: str) -> tuple[str, str]:
        return (
            f"{PREFIX}:user:{keyed_hash(self.secret, 'login-user', username.strip().lower())}:",
            f"{PREFIX}:client:{keyed_hash(self.secret, 'client-ip', client_ip)}:",
        )

    async def retry_after(self, username: str, client_ip: str) -> int:
        """Seconds until an attempt is allowed again; 0 when it is allowed now."""
        now = utcnow()
        wait = 0.0
        for prefix in self.subjects(username, client_ip):
            rows = await (
                KeyValue.select(KeyValue.expires_at)
                .where(KeyValue.key.like(prefix + "%"), KeyValue.expires_at > now)
                .order_by(KeyValue.expires_at)
            )
            excess = len(rows) - self.max_failures
            if excess >= 0:
                # Allowed again when enough failures have aged out to leave max_failures - 1 of them.
                wait = max(wait, (rows[excess]["expires_at"] - now).total_seconds())
        return math.ceil(wait)

    async def failed(self, username: str, client_ip: str) -> None:
        expires_at = utcnow() + timedelta(seconds=self.window_s)
        async with write_transaction():
            await purge_expired()
            for prefix in self.subjects(username, client_ip):
                await KeyValue.insert(KeyValue(key=prefix + secrets.token_hex(8), value=b"", expires_at=expires_at))

    async def succeeded(self, username: str, client_ip: str) -> None:
        """Forget the account name's failures; the client's stay, so one good password cannot reset a guesser."""
        user_prefix, _client = self.subjects(username, client_ip)
        async with write_transaction():
            await KeyValue.delete().where(KeyValue.key.like(user_prefix + "%"))
