"""The short strings behind ``/q/<token>``: signed counter tokens and random receipt tokens.

A counter token is 16 bytes written as 22 characters of URL-safe base64 without padding::

    kid number (2 bytes) | counter id (4 bytes) | HMAC-SHA256 truncated to 10 bytes

The MAC key for a kid is HMAC(secret_key, "qr:" + kid), so rotating means adding a kid, never changing the
secret. 80 bits of MAC put forging out of reach of online guessing. A receipt token is 18 random bytes
(144 bits, 24 characters): its length alone tells the two kinds apart.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass

COUNTER_TOKEN_LENGTH = 22
RECEIPT_TOKEN_LENGTH = 24
_RECEIPT_BYTES = 18
_MAC_BYTES = 10
PRESENCE_BYTES = 6
_HEADER = struct.Struct(">HI")
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{24}")
_KID = re.compile(r"k([1-9][0-9]{0,4})")
MAX_KID = 0xFFFF
MAX_COUNTER_ID = 0xFFFFFFFF


class TokenRefused(ValueError):
    """The token is not one this server issued (or no longer accepts); ``reason`` says which check failed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class CounterToken:
    kid: str
    counter_id: int
    text: str


@dataclass(frozen=True)
class ReceiptToken:
    text: str

    @property
    def token_id(self) -> str:
        return receipt_token_id(self.text)


def kid_name(number: int) -> str:
    if not 1 <= number <= MAX_KID:
        raise ValueError(f"a key id number must be between 1 and {MAX_KID}, not {number}")
    return f"k{number}"


def kid_number(kid: str) -> int:
    match = _KID.fullmatch(kid)
    if not match or int(match.group(1)) > MAX_KID:
        raise ValueError(f"{kid!r} is not a key id (expected k1 .. k{MAX_KID})")
    return int(match.group(1))


def _kid_key(secret_key: str, kid: str) -> bytes:
    return hmac.new(secret_key.encode(), f"qr:{kid}".encode(), hashlib.sha256).digest()


def _mac(secret_key: str, kid: str, header: bytes, purpose: bytes = b"counter:", size: int = _MAC_BYTES) -> bytes:
    return hmac.new(_kid_key(secret_key, kid), purpose + header, hashlib.sha256).digest()[:size]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sign_counter(secret_key: str, kid: str, counter_id: int) -> str:
    if not 1 <= counter_id <= MAX_COUNTER_ID:
        raise ValueError(f"counter id {counter_id} cannot be put in a token")
    header = _HEADER.pack(kid_number(kid), counter_id)
    return _b64(header + _mac(secret_key, kid, header))


def sign_presence(secret_key: str, kid: str, counter_id: int, window: int) -> str:
    """The presence code of a counter for one time window (see ``survey.citizen.presence``): 6 bytes of MAC
    under the same kid key as the counter's token, in 8 characters. 48 bits against guessing a code that
    lives two minutes."""
    header = _HEADER.pack(kid_number(kid), counter_id) + struct.pack(">Q", window)
    return _b64(_mac(secret_key, kid, header, b"presence:", PRESENCE_BYTES))


def new_receipt_token() -> str:
    return _b64(secrets.token_bytes(_RECEIPT_BYTES))


def receipt_token_id(token: str) -> str:
    """What the database keeps of a receipt token: a hash, so a copy of the database cannot answer surveys."""
    return hashlib.sha256(b"receipt:" + token.encode("ascii")).hexdigest()[:32]


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenRefused("malformed") from None
    # Base64 leaves spare bits in the last character; only the canonical spelling is accepted, so one
    # token has exactly one text.
    if _b64(raw) != text:
        raise TokenRefused("malformed")
    return raw


def parse(text: object, secret_key: str) -> CounterToken | ReceiptToken:
    """The token ``text`` stands for, with a counter token's signature checked; anything else is refused.

    Whether the kid is still in service and the counter exists is the caller's question (it needs the database).
    """
    if not isinstance(text, str) or not _TOKEN_TEXT.fullmatch(text):
        raise TokenRefused("malformed")
    raw = _decode(text)
    if len(text) == RECEIPT_TOKEN_LENGTH:
        return ReceiptToken(text)
    header, mac = raw[: _HEADER.size], raw[_HEADER.size :]
    number, counter_id = _HEADER.unpack(header)
    if number == 0 or counter_id == 0:
        raise TokenRefused("malformed")
    kid = kid_name(number)
    if not hmac.compare_digest(mac, _mac(secret_key, kid, header)):
        raise TokenRefused("bad signature")
    return CounterToken(kid=kid, counter_id=counter_id, text=text)
