"""Request and response bodies of the receipts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from survey.openapi import json_body

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ReceiptRequest(msgspec.Struct, forbid_unknown_fields=True):
    counter: Code
    procedure: Code | None = None
    dossier: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    valid_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 30


ReceiptRequestBody = json_body(ReceiptRequest)


class ReceiptCreated(msgspec.Struct):
    token: str
    url: str
    expires_at: datetime
    qr_svg: str
    qr_png_base64: str
