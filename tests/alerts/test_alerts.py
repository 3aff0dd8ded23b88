"""Alerts: rules with defaults and per-unit overrides, raised once per occurrence, mailed through a real SMTP
server (aiosmtpd) with the Vietnamese subject and body intact, sent to webhooks, acknowledged on the page."""

from __future__ import annotations

import email
import uuid
from email import policy

import pytest
from aiosmtpd.controller import Controller

from survey.alerts import services
from survey.db.tables import Alert, Counter, Job, Response, Unit
from survey.jobs.kinds import handlers
from survey.jobs.worker import Worker
from survey.settings import get_settings
from survey.units.services import import_counters
from survey.webhooks import services as webhooks
from survey.webhooks.schemas import WebhookForm
from tests.accounts.fixtures import HTML, login, post_form
from tests.support import free_port

TZ = "Asia/Ho_Chi_Minh"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content,
                                                                               policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(world, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SURVEY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SURVEY_SMTP_PORT", str(port))
    monkeypatch.setenv("SURVEY_SMTP_SECURITY", "none")
    monkeypatch.setenv("SURVEY_SMTP_SENDER", "khaosat@sonoivu.gov.vn")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    get_settings.cache_clear()


async def flagged(unit_code: str, n: int) -> None:
    await import_counters(f"code,name,unit_code\n{unit_code}-Q9,Quầy 9,{unit_code}\n")
    counter = await Counter.select(Counter.id, Counter.unit).where(Counter.code == f"{unit_code}-Q9").first()
    province = await Unit.select(Unit.id).where(Unit.code == unit_code.split("-")[0]).first()
    for _ in range(n):
        await Response.insert(Response(instrument_key="sipas_qr", instrument_version=1, counter=counter["id"],
                                       unit=counter["unit"], stratum=province["id"], period="2026-12",
                                       status="flagged", nonce=uuid.uuid4().hex, overall=1))


async def test_a_burst_is_raised_once_mailed_in_vietnamese_and_sent_to_webhooks(smtp, world):
    await services.set_rule(None, "flagged_burst", True, 3, ["giamsat@sonoivu.gov.vn"], actor="t")
    await services.set_rule("NB", "flagged_burst", True, 3, ["lanhdao.nb@ninhbinh.gov.vn"], actor="t")
    await webhooks.create_webhook(WebhookForm(name="w", url="http://127.0.0.1:9/none", events=["alert.raised"]), "t")
    await flagged("NB-001-TT", 3)
    await flagged("LC-001-TT", 2)  # below the threshold: nothing
    raised = await services.evaluate(TZ, reports=False)
    assert len(raised) == 1
    assert await services.evaluate(TZ, reports=False) == []  # the same hour: raised once
    assert await Job.count().where(Job.kind == webhooks.JOB_KIND) == 1
    await Worker({k: v for k, v in handlers().items() if k == "alerts.email"}).run(until_idle=True)
    [(recipients, message)] = smtp.messages
    assert sorted(recipients) == ["giamsat@sonoivu.gov.vn", "lanhdao.nb@ninhbinh.gov.vn"]
    assert message["Subject"] == "[Cảnh báo SIPAS] Trung tâm PVHCC Xã Một: 3 phiếu bị gắn cờ trong một giờ qua"
    body = message.get_body().get_content()
    assert "Nhiều phiếu bị gắn cờ" in body and "Đơn vị: Trung tâm PVHCC Xã Một (NB-001-TT)" in body
    assert "/officer/alerts" in body and message["From"] == "khaosat@sonoivu.gov.vn"


async def test_a_unit_rule_overrides_the_default(world):
    await services.set_rule(None, "flagged_burst", False, 5, [], actor="t")
    await services.set_rule("NB", "flagged_burst", True, 2, ["a@nb.gov.vn"], actor="t")
    nb = await Unit.select(Unit.path).where(Unit.code == "NB-001-TT").first()
    lc = await Unit.select(Unit.path).where(Unit.code == "LC-001-TT").first()
    assert await services.rule_for("flagged_burst", nb["path"]) == (True, 2, ["a@nb.gov.vn"])
    assert await services.rule_for("flagged_burst", lc["path"]) == (False, 5, [])
    assert await services.rule_for("overdue_comments", lc["path"]) == (True, 1, [])
    with pytest.raises(services.AlertError):
        await services.set_rule("NB", "flagged_burst", True, 2, ["not-an-address"], actor="t")


def test_ewma_alarm_on_a_drop_only():
    steady = [0.9, 0.91, 0.9, 0.9, 0.91, 0.9]
    se = [0.01] * 6
    assert not services.ewma_alarm(steady, se)
    assert services.ewma_alarm(steady[:5] + [0.7], se)
    assert not services.ewma_alarm([0.9, None], [0.01, None])


async def test_managers_acknowledge_their_alerts_with_a_comment(client, world):
    await services.set_rule(None, "flagged_burst", True, 1, [], actor="t")
    await flagged("NB-001-TT", 1)
    await flagged("LC-001-TT", 1)
    assert len(await services.evaluate(TZ, reports=False)) == 2
    nb_alert = await Alert.select(Alert.id).where(Alert.title.like("%Xã Một%")).first()
    await login(client, "nbmanager")
    page = (await client.get("/officer/alerts", headers=HTML)).text
    assert "Xã Một" in page and "Xã Hai" not in page
    dashboard = (await client.get("/officer/dashboard", headers=HTML)).text
    assert '<p class="figure">1</p>' in dashboard.split('id="open-alerts"', 1)[1].split("</section>", 1)[0]
    url = f"/officer/alerts/{nb_alert['id']}/ack"
    assert (await post_form(client, url, {"comment": "  "}, page="/officer/alerts")).status_code == 303
    assert (await Alert.select(Alert.acknowledged_at).where(Alert.id == nb_alert["id"]).first())[
        "acknowledged_at"] is None
    await post_form(client, url, {"comment": "Đã kiểm tra: một thiết bị thử nghiệm."}, page="/officer/alerts")
    stored = await Alert.select().where(Alert.id == nb_alert["id"]).first()
    assert stored["acknowledged_by"] == "nbmanager" and stored["ack_comment"].startswith("Đã kiểm tra")
    lc_alert = await Alert.select(Alert.id).where(Alert.title.like("%Xã Hai%")).first()
    outside = await post_form(client, f"/officer/alerts/{lc_alert['id']}/ack", {"comment": "x"}, page="/officer/alerts")
    assert outside.status_code == 404
