"""One-time form nonces: signed, bound to the token they were issued for, valid for a couple of hours.

The nonce becomes the response's unique ``nonce``, so a double tap or a retried request stores one response.
Layout (24 bytes, 32 characters of URL-safe base64): issue time (4 bytes, Unix seconds) | 6 random bytes |
HMAC-SHA256(secret, "nonce:" + token [+ the browser's form cookie] + first 10 bytes) truncated to 14 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
import time
from functools import lru_cache

NONCE_LIFETIME_S = 2 * 60 * 60
# Servers behind a load balancer may disagree on the time by a little.
_CLOCK_SKEW_S = 60
_TIME = struct.Struct(">I")
_TEXT = re.compile(r"[A-Za-z0-9_-]{32}")


class NonceRefused(ValueError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@lru_cache(maxsize=8)
def _key(secret_key: str) -> bytes:
    # Derived once per secret rather than on every form shown and every submission.
    return hmac.new(secret_key.encode(), b"nonce", hashlib.sha256).digest()


def _mac(secret_key: str, token: str, head: bytes, client: str) -> bytes:
    bound = token.encode() + (b"|" + client.encode() if client else b"")
    return hmac.new(_key(secret_key), bound + b"|" + head, hashlib.sha256).digest()[:14]


def issue(secret_key: str, token: str, now: float | None = None, client: str = "") -> str:
    """A nonce for ``token``; with ``client`` (the browser's form cookie, see ``issuance``) it is valid
    only when posted with that cookie. The survey page always binds one."""
    head = _TIME.pack(int(now if now is not None else time.time())) + secrets.token_bytes(6)
    return base64.urlsafe_b64encode(head + _mac(secret_key, token, head, client)).decode("ascii")


def check_signature(secret_key: str, token: str, nonce: object, client: str = "") -> int:
    """The nonce's issue time if this server issued it for ``token`` and ``client``; else NonceRefused."""
    if not isinstance(nonce, str) or not _TEXT.fullmatch(nonce):
        raise NonceRefused("malformed")
    try:
        raw = base64.urlsafe_b64decode(nonce)
    except (binascii.Error, ValueError):
        raise NonceRefused("malformed") from None
    head, mac = raw[:10], raw[10:]
    if not hmac.compare_digest(mac, _mac(secret_key, token, head, client)):
        raise NonceRefused("bad signature")
    return _TIME.unpack(head[:4])[0]


def check_fresh(issued_at: int, now: float | None = None) -> None:
    now = now if now is not None else time.time()
    if issued_at > now + _CLOCK_SKEW_S:
        raise NonceRefused("issued in the future")
    if now - issued_at > NONCE_LIFETIME_S:
        raise NonceRefused("expired")
