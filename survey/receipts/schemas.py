"""Request and response bodies of the receipts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from survey.csvimport import CODE
from survey.openapi import json_body

# Counters and procedures get their codes through the imports, so anything else cannot name one; refusing it
# here also keeps characters PostgreSQL cannot compare (NUL) away from the queries. "(?!\n)" because msgspec
# matches with Python's "$", which also matches before a final newline where the published JSON Schema's does not.
Code = Annotated[str, msgspec.Meta(pattern=CODE.pattern.removesuffix("$") + r"(?!\n)$")]


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
