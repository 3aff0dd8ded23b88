"""Bodies of ``POST /api/v1/responses``, the JSON way in for kiosks and apps."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from survey.core.text import Language
from survey.openapi import json_body

IdempotencyKey = Annotated[str, msgspec.Meta(min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$")]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


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

