"""Use cases of webhooks: configure one, publish an event to every subscribed webhook, send a test, read the
delivery log.

Publishing writes one job per webhook into the job table, in the caller's transaction when there is one, so an
event is sent exactly when the change it reports is committed, and survives any restart until delivered.
The event (its id, time and data) is fixed when it is published: every retry sends the same event id, which
receivers use to apply it once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from survey.audit import record
from survey.db.engine import write_transaction
from survey.db.tables import Webhook, WebhookDelivery
from survey.jobs import outbox
from survey.webhooks.schemas import EVENT_TYPES, DeliveryView, Event, WebhookForm, WebhookView

JOB_KIND = "webhook.deliver"
MAX_ATTEMPTS = 10


class WebhookError(ValueError):
    """A webhook change that cannot be made; the message says why (Vietnamese, then English)."""


def new_event(event_type: str, data: dict[str, Any]) -> Event:
    return Event(id=f"evt_{uuid.uuid4().hex}", type=event_type,
                 created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), data=data)


def check_form(form: WebhookForm) -> WebhookForm:
    name, url = form.name.strip(), form.url.strip()
    if not name or len(name) > 128:
        raise WebhookError("Tên phải có từ 1 đến 128 ký tự. / The name must have 1 to 128 characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise WebhookError("Địa chỉ phải là một URL http:// hoặc https://. / The address must be an http(s) URL.")
    unknown = sorted(set(form.events) - set(EVENT_TYPES))
    if unknown or not form.events:
        raise WebhookError("Chọn ít nhất một loại sự kiện hợp lệ. / Choose at least one known event type.")
    return WebhookForm(name=name, url=url, events=[e for e in EVENT_TYPES if e in form.events])


async def create_webhook(form: WebhookForm, actor: str) -> int:
    form = check_form(form)
    async with write_transaction():
        rows = await Webhook.insert(Webhook(name=form.name, url=form.url, events=form.events, created_by=actor,
                                            secret=secrets.token_hex(32)))
        await record("webhook.create", actor=actor, target=f"webhook:{rows[0]['id']}", url=form.url)
    return rows[0]["id"]


async def set_active(webhook_id: int, active: bool, actor: str) -> None:
    async with write_transaction():
        rows = await Webhook.update({Webhook.active: active}).where(Webhook.id == webhook_id).returning(Webhook.id)
        if not rows:
            raise WebhookError(f"Không có webhook #{webhook_id}. / No webhook #{webhook_id}.")
        await record("webhook.activate" if active else "webhook.deactivate", actor=actor,
                     target=f"webhook:{webhook_id}")


async def webhooks() -> list[WebhookView]:
    rows = await Webhook.select(*(getattr(Webhook, f) for f in WebhookView.__struct_fields__)).order_by(
        Webhook.id).output(load_json=True)
    return [WebhookView(**row) for row in rows]


async def webhook(webhook_id: int) -> WebhookView | None:
    row = await Webhook.select(*(getattr(Webhook, f) for f in WebhookView.__struct_fields__)).where(
        Webhook.id == webhook_id).output(load_json=True).first()
    return WebhookView(**row) if row else None


async def deliveries(webhook_id: int, limit: int = 100) -> list[DeliveryView]:
    rows = await WebhookDelivery.select(*(getattr(WebhookDelivery, f) for f in DeliveryView.__struct_fields__)).where(
        WebhookDelivery.webhook == webhook_id).order_by(WebhookDelivery.id, ascending=False).limit(limit)
    return [DeliveryView(**row) for row in rows]


async def _enqueue(webhook_id: int, event: Event) -> None:
    await outbox.enqueue(JOB_KIND, {"webhook": webhook_id, "event": msgspec.to_builtins(event)},
                         key=f"webhook:{webhook_id}:{event.id}", max_attempts=MAX_ATTEMPTS)


async def publish(event_type: str, data: dict[str, Any]) -> Event:
    """Queue ``event_type`` with ``data`` for every active webhook subscribed to it; returns the event."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = new_event(event_type, data)
    for hook in await webhooks():
        if hook.active and event_type in hook.events:
            await _enqueue(hook.id, event)
    return event


async def send_test(webhook_id: int, actor: str) -> Event:
    """Queue a ``webhook.test`` event to this webhook only (whatever it subscribes to)."""
    hook = await webhook(webhook_id)
    if hook is None:
        raise WebhookError(f"Không có webhook #{webhook_id}. / No webhook #{webhook_id}.")
    event = new_event("webhook.test", {"webhook": hook.name, "requested_by": actor})
    async with write_transaction():
        await _enqueue(hook.id, event)
        await record("webhook.test", actor=actor, target=f"webhook:{hook.id}", event=event.id)
    return event
