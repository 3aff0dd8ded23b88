"""Webhook delivery through the job table to a real HTTP receiver (both engines): signed, retried after
failures, and applied exactly once by an idempotent receiver although the worker is killed mid-delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from survey.db.tables import Job, WebhookDelivery
from survey.webhooks import services
from survey.webhooks.schemas import WebhookForm
from survey.webhooks.signing import sign, verify
from tests.jobs.waiting import wait_for
from tests.webhooks.receiver import Receiver


def start_worker(log_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "survey.cli", "worker", "--lease", "2", "--poll", "0.1"],
                            env=dict(os.environ), stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)



def test_signature_covers_time_and_body():
    header = sign("s3cret", b'{"a":1}', at=1_700_000_000)
    assert verify("s3cret", b'{"a":1}', header, now=1_700_000_100)
    assert not verify("s3cret", b'{"a":2}', header, now=1_700_000_100)
    assert not verify("other", b'{"a":1}', header, now=1_700_000_100)
    assert not verify("s3cret", b'{"a":1}', header, now=1_700_000_000 + 301)
    assert not verify("s3cret", b'{"a":1}', "garbage", now=1_700_000_000)


@pytest.mark.slow
async def test_every_event_delivered_once_across_failures_and_a_killed_worker(db, tmp_path):
    with Receiver(fail_first=2, stall_once_s=30) as receiver:
        hook_id = await services.create_webhook(
            WebhookForm(name="Hệ thống một cửa", url=receiver.url, events=["comment.received"]), actor="admin")
        receiver.secret = (await services.webhook(hook_id)).secret
        published = {(await services.publish("comment.received", {"n": n, "text": "Cán bộ nhiệt tình"})).id
                     for n in range(12)}
        await services.publish("alert.raised", {"not": "subscribed"})
        log = tmp_path / "worker.log"
        first = start_worker(log)
        try:
            wait_for(lambda: receiver.stalled is not None, 60, "a delivery to stall after being applied")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        second = start_worker(log)
        try:
            wait_for(lambda: len(receiver.applied) == len(published) and receiver.duplicates[receiver.stalled] >= 1,
                     90, "every event to arrive")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, log.read_text()
    assert set(receiver.applied) == published
    assert receiver.bad_signatures == 0
    assert all(receiver.attempts[key] >= 3 for key in published)
    assert receiver.applied[receiver.stalled]["data"]["text"] == "Cán bộ nhiệt tình"
    assert {event["type"] for event in receiver.applied.values()} == {"comment.received"}
    jobs = await Job.select(Job.status).where(Job.kind == services.JOB_KIND)
    assert [job["status"] for job in jobs] == ["done"] * len(published)
    log_rows = await WebhookDelivery.select(WebhookDelivery.status_code).where(WebhookDelivery.webhook == hook_id)
    codes = [row["status_code"] for row in log_rows]
    assert codes.count(503) == 2 * len(published) and codes.count(200) >= len(published)
