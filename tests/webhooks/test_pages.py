"""The webhook pages: an administrator adds a receiver, presses "send test", and reads the delivery log."""

from __future__ import annotations

from survey.db.tables import Job, Webhook
from survey.jobs.kinds import handlers
from survey.jobs.worker import Worker
from tests.accounts.fixtures import HTML, login, post_form
from tests.webhooks.receiver import Receiver


async def test_admin_adds_a_webhook_and_sends_a_test(client):
    await login(client, "admin")
    refused = await post_form(client, "/officer/admin/webhooks", {"name": "x", "url": "ftp://example", "events": [
        "alert.raised"]}, page="/officer/admin/webhooks")
    assert refused.status_code == 303 and await Webhook.count() == 0
    assert "URL http" in (await client.get("/officer/admin/webhooks", headers=HTML)).text
    with Receiver() as receiver:
        created = await post_form(client, "/officer/admin/webhooks", {
            "name": "Sở Nội vụ", "url": receiver.url, "events": ["alert.raised", "comment.received"]},
            page="/officer/admin/webhooks")
        assert created.status_code == 303
        hook = await Webhook.select().output(load_json=True).first()
        assert hook["events"] == ["alert.raised", "comment.received"] and len(hook["secret"]) == 64
        receiver.secret = hook["secret"]
        page = f"/officer/admin/webhooks/{hook['id']}"
        assert hook["secret"] in (await client.get(page, headers=HTML)).text
        sent = await post_form(client, f"{page}/test", {}, page=page)
        assert sent.status_code == 303 and await Job.count() == 1
        await Worker(handlers()).run(until_idle=True)
    [event] = receiver.applied.values()
    assert event["type"] == "webhook.test" and event["data"] == {"webhook": "Sở Nội vụ", "requested_by": "admin"}
    log = (await client.get(page, headers=HTML)).text
    assert event["id"] in log and "<td>200</td>" in log
    assert (await client.get("/officer/admin/webhooks/999", headers=HTML)).status_code == 404
    off = await post_form(client, f"{page}/active", {"active": "0"}, page=page)
    assert off.status_code == 303 and not (await Webhook.select(Webhook.active).first())["active"]
    assert (await post_form(client, f"{page}/active", {"active": "x"}, page=page)).status_code == 400


async def test_a_refusing_receiver_kills_the_job_at_once(db):
    from survey.db.tables import WebhookDelivery
    from survey.jobs import outbox
    from survey.webhooks import services
    from survey.webhooks.schemas import WebhookForm

    with Receiver(secret="wrong") as receiver:  # every signature fails: 401, which no retry will change
        hook_id = await services.create_webhook(WebhookForm(name="r", url=receiver.url, events=["alert.raised"]), "t")
        await services.publish("alert.raised", {"unit": "NB"})
        await Worker(handlers()).run(until_idle=True)
    assert (await outbox.counts())["dead"] == 1
    row = await WebhookDelivery.select(WebhookDelivery.status_code).where(WebhookDelivery.webhook == hook_id).first()
    assert row["status_code"] == 401


async def test_managers_cannot_reach_webhooks(client):
    await login(client, "nbmanager")
    assert (await client.get("/officer/admin/webhooks", headers=HTML)).status_code == 403
