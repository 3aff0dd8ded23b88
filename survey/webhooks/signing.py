"""The signature on every delivery, and its check (for receivers written in Python, and the tests).

``X-Survey-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the webhook's secret>``.
The time is inside the signed text so a receiver can refuse old replays (five minutes is a common window);
the body is signed as sent, byte for byte, so a receiver must check it before parsing it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Survey-Signature"
TOLERANCE_S = 300


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: float | None = None, tolerance_s: int = TOLERANCE_S) -> bool:
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        at = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - at) > tolerance_s:
        return False
    expected = sign(secret, body, at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
