"""Bodies of ``POST /api/v1/responses``, the JSON way in for kiosks and apps."""

from __future__ import annotations

import math
from collections import Counter
from typing import Annotated, Literal

import msgspec

from survey.core.text import Language
from survey.openapi import json_body

# At least 128 random bits in a usual spelling: a UUID, 32 hex digits, 22+ base64url characters (padded to 32).
IdempotencyKey = Annotated[str, msgspec.Meta(
    min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
    description="A random key per submission: a UUID4, or 16+ random bytes in hex or base64url. Patterned keys "
                "(a counter padded to length, a repeated block, few distinct characters) are refused with 400.")]
NOT_RANDOM = "the idempotency key must be random: a UUID4 or 16+ random bytes in hex or base64url"
# A key is refused when it repeats itself or uses few symbols. Random keys of the documented forms pass
# (tested on thousands); a counter, a device name or a date padded to length does not.
_MIN_BITS_PER_CHARACTER = 2.5
_REPEAT = 8
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


def key_looks_random(key: str) -> bool:
    """False for keys an attacker could guess: too few distinct symbols, or a stretch that comes back.

    The server cannot measure a key's entropy; this refuses the patterns seen in practice (``kiosk-0001``
    padded, a repeated block, one symbol) so that a client's keys are as unguessable as the documentation asks.
    """
    counts = Counter(key)
    bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if bits < _MIN_BITS_PER_CHARACTER:
        return False
    seen: set[str] = set()
    for start in range(len(key) - _REPEAT + 1):
        stretch = key[start:start + _REPEAT]
        if stretch in seen:
            return False
        seen.add(stretch)
    return True


class ResponseSubmission(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    answers: dict[str, str | int | None]
    idempotency_key: IdempotencyKey
    # Only the JSON API's own channels: qr and receipt follow from the token.
    channel: Literal["kiosk", "api"] = "api"  # Channel.KIOSK, Channel.API (msgspec takes only plain literals)
    lang: Language = Language.VI


ResponseSubmissionBody = json_body(ResponseSubmission)


class ResponseReceived(msgspec.Struct):
    received: bool
    message: str

