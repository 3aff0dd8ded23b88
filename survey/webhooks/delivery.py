"""The worker's side of webhooks: POST one event to one receiver, log the attempt, let the job table retry.

2xx is delivered. 408, 429 and 5xx, timeouts and connection failures are retried with the job table's backoff;
any other status means the receiver refuses this event for good (a 4xx will not change on retry), and the job
is dead at once, visible on the job page. Redirects are not followed: a receiver's address is configured,
not discovered.
"""

from __future__ import annotations

import time

import httpx
import msgspec

from survey.db.engine import write_transaction
from survey.db.tables import Webhook, WebhookDelivery
from survey.jobs.outbox import ClaimedJob
from survey.jobs.worker import PermanentFailure
from survey.webhooks.signing import HEADER, sign

TIMEOUT_S = 10.0
RETRYABLE = {408, 429}
USER_AGENT = "sipas-survey-webhook/1"


async def _log(webhook_id: int, event: dict, attempt: int, status: int | None, error: str, started: float) -> None:
    async with write_transaction():
        await WebhookDelivery.insert(WebhookDelivery(
            webhook=webhook_id, event_id=event["id"], event_type=event["type"], attempt=attempt, status_code=status,
            error=error[:1000], duration_ms=int((time.monotonic() - started) * 1000)))


async def deliver(job: ClaimedJob) -> None:
    webhook_id, event = job.payload["webhook"], job.payload["event"]
    hook = await Webhook.select(Webhook.url, Webhook.secret, Webhook.active).where(Webhook.id == webhook_id).first()
    if hook is None or not hook["active"]:
        raise PermanentFailure(f"webhook #{webhook_id} was removed or deactivated")
    body = msgspec.json.encode(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Survey-Event": event["type"],
        "X-Survey-Delivery": event["id"],
        "Idempotency-Key": event["id"],
        HEADER: sign(hook["secret"], body),
    }
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            answer = await client.post(hook["url"], content=body, headers=headers)
    except httpx.HTTPError as exc:
        await _log(webhook_id, event, job.attempt, None, f"{type(exc).__name__}: {exc}", started)
        raise
    error = "" if answer.is_success else answer.text[:200]
    await _log(webhook_id, event, job.attempt, answer.status_code, error, started)
    if answer.is_success:
        return
    if answer.status_code in RETRYABLE or answer.status_code >= 500:
        raise RuntimeError(f"HTTP {answer.status_code} from the receiver")
    raise PermanentFailure(f"HTTP {answer.status_code} from the receiver: it refuses this event")
