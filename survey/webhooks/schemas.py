"""The event envelope every webhook receives (its schema is documented in README, "Webhooks"), the webhook
form, and what the pages show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

EVENT_TYPES = ("webhook.test", "alert.raised", "comment.received", "comment.answered")


class Event(msgspec.Struct, frozen=True):
    id: str
    type: str
    created_at: str
    data: dict[str, Any]


class WebhookForm(msgspec.Struct, frozen=True):
    name: str
    url: str
    events: list[str]


class WebhookView(msgspec.Struct, frozen=True):
    id: int
    name: str
    url: str
    secret: str
    events: list[str]
    active: bool
    created_at: datetime | None


class DeliveryView(msgspec.Struct, frozen=True):
    id: int
    event_id: str
    event_type: str
    attempt: int
    status_code: int | None
    error: str
    duration_ms: int
    at: datetime | None
