"""Recognising a repeat submitter without knowing who they are, and the limits that flag a burst.

Each submission carries two keyed hashes: of its client *address*, and of the address's *network* (the /24 of
an IPv4 address, the /56 of an IPv6 one). The User-Agent is not part of either: the client picks it, and a
stuffer rotating it looked like a new phone each time. The key changes every local day (HMAC(secret,
"device:" + date)), so hashes cannot be linked across days, and the address itself is never stored or logged.

Every limit below *flags* (the response is stored, left out of the indices until an officer accepts it),
never drops; each one's cost in honest answers flagged is written beside it and in SECURITY.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

BURST_WINDOW_S = 10 * 60
# (a) One address at one counter: more than 3 answers in 10 minutes. Cost: phones sharing one public address
# (a carrier's NAT, the centre's Wi-Fi) at one counter within 10 minutes: the fourth honest one is flagged.
BURST_LIMIT = 3
# (a) One network prefix at one counter: more than 10 in 10 minutes. Cost: a centre where most citizens come
# through one carrier's /24 or one Wi-Fi: beyond one a minute at one counter, honest answers are flagged.
NETWORK_LIMIT = 10
# (b) One counter, whatever the addresses: more answers in 10 minutes than it can serve citizens. The norm is
# three times the counter's expected rate (its unit's known monthly dossiers shared among its counters over
# 22 working days of 8 hours, or its own last 28 days of answers, whichever is higher), and never below 20
# (one citizen served every 30 seconds). Cost: a counter whose queue of served citizens all answer at once
# (a kiosk collecting the morning's receipts) beyond that norm.
COUNTER_FLOOR = 20
COUNTER_FACTOR = 3
# (c) Runs of identical answers: the sixth answer in a row at one counter, within 10 minutes, with exactly the
# same ratings. Cost: a busy counter where honest citizens give the same ratings six times running (all
# "rất hài lòng" is common): flagged until reviewed.
RUN_LENGTH = 6
# (d) At a counter that requires it, no fresh code from the counter's screen: see ``survey.citizen.presence``.


@lru_cache(maxsize=8)
def _day_key(secret_key: str, day: str) -> bytes:
    # Derived once per day rather than on every submission.
    return hmac.new(secret_key.encode(), f"device:{day}".encode(), hashlib.sha256).digest()


def _hash(secret_key: str, text: str, now: datetime, tz: str) -> str:
    day = now.astimezone(ZoneInfo(tz)).date().isoformat()
    return hmac.new(_day_key(secret_key, day), text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def network_of(ip: str) -> str:
    """The /24 of an IPv4 address, the /56 of an IPv6 one; anything else (no address) stands for itself."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 56
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def device_hash(secret_key: str, ip: str, now: datetime, tz: str) -> str:
    """The keyed hash of the client address (the User-Agent is deliberately left out)."""
    return _hash(secret_key, f"address\n{ip}", now, tz)


def network_hash(secret_key: str, ip: str, now: datetime, tz: str) -> str:
    return _hash(secret_key, f"network\n{network_of(ip)}", now, tz)
