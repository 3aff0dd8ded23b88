"""The worker's side of alerts: evaluate the rules (periodic job) and mail a raised alert to its recipients."""

from __future__ import annotations

from survey.alerts import mail, services
from survey.db.tables import Alert
from survey.jobs.outbox import ClaimedJob
from survey.jobs.worker import PermanentFailure
from survey.settings import get_settings


async def evaluate_rules(job: ClaimedJob) -> None:
    await services.evaluate(get_settings().timezone)


def message_text(alert: dict, base_url: str) -> tuple[str, str]:
    subject = f"[Cảnh báo SIPAS] {alert['title']}"
    lines = [
        f"{services.KIND_NAMES.get(alert['kind'], alert['kind'])}: {alert['title']}",
        f"Đơn vị: {alert['unit.name']} ({alert['unit.code']})",
        f"Thời điểm (UTC): {alert['raised_at']:%Y-%m-%d %H:%M}" if alert["raised_at"] else "",
        "",
        f"Xem và xác nhận cảnh báo: {base_url}/officer/alerts",
        "",
        "Thư này được gửi tự động; xin đừng trả lời.",
    ]
    return subject, "\n".join(line for line in lines if line is not None)


async def mail_alert(job: ClaimedJob) -> None:
    settings = get_settings()
    alert = await Alert.select(Alert.kind, Alert.title, Alert.raised_at, Alert.unit.name, Alert.unit.code).where(
        Alert.id == job.payload["alert"]).first()
    if alert is None:
        raise PermanentFailure(f"alert #{job.payload['alert']} no longer exists")
    subject, body = message_text(alert, settings.base_url)
    try:
        await mail.send(settings, list(job.payload["to"]), subject, body)
    except mail.MailNotConfigured as exc:
        raise PermanentFailure(f"{exc}: set the SMTP settings, then send this job again") from None
