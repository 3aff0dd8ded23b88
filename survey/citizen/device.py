"""Recognising a repeat submitter without knowing who they are.

A device is a keyed hash of its IP address and user agent. The key changes every local day
(HMAC(secret, "device:" + date)), so hashes cannot be linked across days, and the address itself is never
stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

# More than this many submissions from one device at one counter within the window are flagged for review
# (stored, but left out of the indices until an officer accepts them).
BURST_LIMIT = 3
BURST_WINDOW_S = 10 * 60


@lru_cache(maxsize=8)
def _day_key(secret_key: str, day: str) -> bytes:
    # Derived once per day rather than on every submission.
    return hmac.new(secret_key.encode(), f"device:{day}".encode(), hashlib.sha256).digest()


def device_hash(secret_key: str, ip: str, user_agent: str, now: datetime, tz: str) -> str:
    day = now.astimezone(ZoneInfo(tz)).date().isoformat()
    return hmac.new(
        _day_key(secret_key, day), f"{ip}\n{user_agent}".encode("utf-8", "replace"), hashlib.sha256
    ).hexdigest()[:32]
