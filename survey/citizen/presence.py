"""Layer (d) of the burst flags: at a counter with a screen, proof that the citizen stood in front of it.

A counter whose ``presence_required`` is set shows a display page (``survey.qr.display``) with a QR code of
``/q/<token>?p=<code>``, where the code is a MAC of the counter and the current minute under the key of the
token's kid (``survey.qr.tokens.sign_presence``), and the page reloads every minute. The survey page carries
the code in a hidden field. An answer through the counter's QR token is flagged ``presence`` (stored, left
out of the indices until reviewed, never dropped) unless its code belongs to the minute its form was opened
(the signed issue time of its nonce) or to the minute before: about two minutes to scan after the code
changes, then all the time the form needs. Answers through a receipt are not checked (the receipt, handed
over at the counter, already proves the visit), nor answers at counters without the setting.

Cost: a citizen who photographs the code and opens the survey later (at home) is flagged; so is every QR
answer while the screen is off or frozen, and every JSON API answer through the counter's token (it carries
no code).
"""

from __future__ import annotations

import hmac
import re
import time

from survey.citizen.targets import Target
from survey.qr.tokens import CounterToken, TokenRefused, parse, sign_presence

WINDOW_S = 60
# The current window and the one before it: a code read just before the screen changed still works.
WINDOWS_ACCEPTED = 2
QUERY = "p"
FIELD = "presence"
REASON = "presence"
_CODE = re.compile(r"[A-Za-z0-9_-]{8}")


def window_of(at: float) -> int:
    return int(at // WINDOW_S)


def code(secret_key: str, kid: str, counter_id: int, at: float | None = None) -> str:
    """The code the screen of the counter shows at ``at`` (now when None) beside a token signed with ``kid``."""
    return sign_presence(secret_key, kid, counter_id, window_of(time.time() if at is None else at))


def seconds_to_next(at: float | None = None) -> int:
    """Seconds until the next window begins (at least 1): when the display page reloads."""
    now = time.time() if at is None else at
    return max(1, int(WINDOW_S - now % WINDOW_S) + 1)


def clean(value: object) -> str:
    """A code as it may travel in a URL or form; anything else is no code."""
    return value if isinstance(value, str) and _CODE.fullmatch(value) else ""


def unproven(secret_key: str, target: Target, presented: object, at: float) -> bool:
    """Whether an answer to ``target`` lacks the proof its counter requires, its form opened at ``at``."""
    if not target.place.presence_required or target.receipt_id is not None:
        return False
    given = clean(presented)
    if not given:
        return True
    try:
        token = parse(target.token, secret_key)
    except TokenRefused:
        return True
    if not isinstance(token, CounterToken):
        return True
    return not any(hmac.compare_digest(given, code(secret_key, token.kid, token.counter_id, at - back * WINDOW_S))
                   for back in range(WINDOWS_ACCEPTED))
