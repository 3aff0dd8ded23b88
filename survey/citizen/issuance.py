"""Who may hold a form nonce: the browser that fetched it, and not too many per address and counter.

A nonce is bound to a random value kept in the ``survey_form`` cookie (HttpOnly, SameSite=Lax, path /q/):
a browser never sends a Lax cookie on another site's POST, so a nonce harvested by a server and posted by
a visitor's browser from another site matches no cookie, even from a browser too old to send
``Sec-Fetch-Site`` or ``Origin``. One cookie serves every tab, so several open forms can all be sent.
The cost: a browser refusing every cookie cannot send the form (it gets the "open the page again"
message); kiosks and apps use the JSON API, which needs no cookie.

Each address (its keyed daily hash, never the address) gets at most ``SURVEY_FORM_PAGES_PER_ADDRESS``
(30) pages a counter per ``WINDOW_S``: more is a 429. The count is kept per server process, so with N workers an address may get
up to N times as many; it bounds harvesting, it is not an exact quota.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import deque

from litestar.datastructures import Cookie

from survey.citizen.nonce import NONCE_LIFETIME_S

COOKIE = "survey_form"
_VALUE = re.compile(r"[A-Za-z0-9_-]{22}")
WINDOW_S = 10 * 60
# Forget the oldest addresses beyond this many, so a flood of addresses cannot grow the table without end.
_MAX_TRACKED = 100_000


def client_of(cookies: dict[str, str]) -> str:
    """The browser's form-cookie value, or "" when it sent none (or a malformed one)."""
    value = cookies.get(COOKIE, "")
    return value if _VALUE.fullmatch(value) else ""


def new_client() -> str:
    return secrets.token_urlsafe(16)


def form_cookie(value: str, secure: bool) -> Cookie:
    # Outlives any nonce bound to it; renewed with every page shown.
    return Cookie(key=COOKIE, value=value, path="/q/", max_age=NONCE_LIFETIME_S + 3600, httponly=True,
                  samesite="lax", secure=secure)


class IssueLimiter:
    """Pages shown per (address hash, token) in the last ``WINDOW_S``; one per application (server process)."""

    def __init__(self, per_window: int) -> None:
        self.per_window = per_window
        self._shown: dict[tuple[str, str], deque[float]] = {}

    def allow(self, device: str, token: str, now: float | None = None) -> bool:
        """Count one page shown to ``device`` for ``token``; False once the window's allowance is spent."""
        now = time.monotonic() if now is None else now
        shown = self._shown.get((device, token))
        if shown is None:
            if len(self._shown) >= _MAX_TRACKED:
                del self._shown[next(iter(self._shown))]
            shown = self._shown[(device, token)] = deque()
        while shown and now - shown[0] > WINDOW_S:
            shown.popleft()
        if len(shown) >= self.per_window:
            return False
        shown.append(now)
        return True
