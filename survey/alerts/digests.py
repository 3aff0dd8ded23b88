"""Weekly and monthly digests: an e-mail to each manager with their unit's summary and the PDF report attached.

The worker runs ``digests.plan`` every quarter of an hour. A digest falls due at 07:00 local time (the
configured time zone) on Monday (the week before) and on the first of the month (the month before); from then,
for two days, each plan enqueues one ``digests.send`` job per recipient whose idempotency key names the
recipient and the week or month, so however many workers plan, and however often, each digest is stored and
sent once. A worker down for more than two days skips that digest rather than sending it late.

Recipients: active managers and administrators with an e-mail address who have not opted out (the account
page, or the administrator's user page); a national administrator's unit is the root of the tree. The PDF is
the unit's report for the month summarised (the weekly digest: the month the week ends in, so far).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from survey.alerts import mail
from survey.core.responses import ResponseStatus
from survey.db.tables import Alert, FeedbackComment, Officer, Response, Unit
from survey.feedback.schemas import CLOSED
from survey.jobs import outbox
from survey.jobs.outbox import ClaimedJob
from survey.jobs.worker import PermanentFailure
from survey.settings import Settings, get_settings

log = logging.getLogger("survey.digests")
PLAN_JOB = "digests.plan"
SEND_JOB = "digests.send"
SEND_HOUR = 7
WINDOW = timedelta(days=2)
WEEKLY, MONTHLY = "weekly", "monthly"


def due_digests(moment: datetime, tz: str) -> list[tuple[str, str, date, date]]:
    """The digests whose sending window contains ``moment``: (kind, label, first day, last day) each."""
    local = moment.astimezone(ZoneInfo(tz))
    today = local.date()
    found = []
    monday = today - timedelta(days=today.weekday())
    for start in (monday, monday - timedelta(days=7)):
        at = datetime.combine(start, time(SEND_HOUR), ZoneInfo(tz))
        if at <= local < at + WINDOW:
            first = start - timedelta(days=7)
            year, week, _ = first.isocalendar()
            found.append((WEEKLY, f"{year}-W{week:02d}", first, start - timedelta(days=1)))
    first_of_month = today.replace(day=1)
    for start in (first_of_month, (first_of_month - timedelta(days=1)).replace(day=1)):
        at = datetime.combine(start, time(SEND_HOUR), ZoneInfo(tz))
        if at <= local < at + WINDOW:
            last = start - timedelta(days=1)
            found.append((MONTHLY, f"{last:%Y-%m}", last.replace(day=1), last))
    return found


async def recipients() -> list[dict[str, Any]]:
    return await Officer.select(Officer._meta.primary_key, Officer.username, Officer.email, Officer.unit).where(
        Officer.active.eq(True), Officer.digests.eq(True), Officer.email != "",
        Officer.role.is_in(["manager", "admin"])).order_by(Officer._meta.primary_key)


async def plan(moment: datetime, tz: str) -> int:
    """Enqueue the digests due at ``moment``; returns how many jobs this call stored."""
    stored = 0
    due = due_digests(moment, tz)
    if not due:
        return 0
    for officer in await recipients():
        for kind, label, first, last in due:
            payload = {"officer": officer["id"], "kind": kind, "label": label, "first": first.isoformat(),
                       "last": last.isoformat()}
            stored += await outbox.enqueue(SEND_JOB, payload, key=f"{SEND_JOB}:{kind}:{label}:{officer['id']}",
                                           max_attempts=5)
    return stored


async def plan_job(job: ClaimedJob) -> None:
    await plan(datetime.now(UTC), get_settings().timezone)


async def summary(unit_path: str, first: date, last: date, tz: str) -> dict[str, int]:
    """The unit's week or month in numbers: responses, comments received, still open, overdue, alerts."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    under = unit_path + "%"
    today = datetime.now(zone).date().isoformat()
    return {
        "responses": await Response.count().where(Response.unit.path.like(under), Response.status == ResponseStatus.VALID,
                                                  Response.received_at >= start, Response.received_at < end),
        "comments": await FeedbackComment.count().where(FeedbackComment.unit.path.like(under),
                                                        FeedbackComment.received_at >= start,
                                                        FeedbackComment.received_at < end),
        "open": await FeedbackComment.count().where(FeedbackComment.unit.path.like(under),
                                                    FeedbackComment.status.not_in(list(CLOSED))),
        "overdue": await FeedbackComment.count().where(FeedbackComment.unit.path.like(under),
                                                       FeedbackComment.status.not_in(list(CLOSED)),
                                                       FeedbackComment.due_on < today),
        "alerts": await Alert.count().where(Alert.unit.path.like(under), Alert.raised_at >= start,
                                            Alert.raised_at < end),
    }


def message_text(kind: str, label: str, first: date, last: date, unit: dict, numbers: dict[str, int],
                 base_url: str, attached: bool) -> tuple[str, str]:
    when = (f"tuần {first:%d/%m} – {last:%d/%m/%Y}" if kind == WEEKLY else f"tháng {last:%m/%Y}")
    subject = f"[SIPAS] Bản tin {when} – {unit['name']}"
    lines = [
        f"Bản tin {when} của {unit['name']} ({unit['code']}).",
        "",
        f"- Phiếu khảo sát hợp lệ nhận được: {numbers['responses']}",
        f"- Góp ý mới: {numbers['comments']}",
        f"- Góp ý chưa xử lý xong: {numbers['open']} (quá hạn: {numbers['overdue']})",
        f"- Cảnh báo: {numbers['alerts']}",
        "",
        ("Báo cáo chỉ số hài lòng (PDF) của tháng được đính kèm." if attached else
         "Chưa có đủ dữ liệu để lập báo cáo PDF của tháng này."),
        f"Hộp thư góp ý: {base_url}/officer/feedback",
        "",
        f"Thư này được gửi tự động. Không muốn nhận bản tin: {base_url}/officer/account",
    ]
    return subject, "\n".join(lines)


async def report_pdf(unit_code: str, month: str, settings: Settings) -> bytes | None:
    """The unit's PDF report of ``month``, or None when it cannot be computed (no data yet)."""
    from survey.reports import formatting
    from survey.reports.formats import get_format
    from survey.reports.letterhead import letterhead_for
    from survey.reports.services import Clock, build_report, parse_request

    formatting.activate(settings.language, settings.timezone)
    try:
        request = parse_request(unit_code, month, design=settings.report_design)
        report = await build_report(request, settings.language, settings.timezone,
                                    Clock.now(settings.timezone, settings.report_include_today))
    except Exception:  # the summary is worth sending without the report; the log says why it is missing
        log.warning("digest: no PDF report for %s, %s", unit_code, month, exc_info=True)
        return None
    return get_format("pdf").render(report, await letterhead_for(unit_code))


async def send_job(job: ClaimedJob) -> None:
    settings = get_settings()
    p = job.payload
    officer = await Officer.select(Officer.email, Officer.unit, Officer.active, Officer.digests).where(
        Officer._meta.primary_key == p["officer"]).first()
    if officer is None or not officer["active"] or not officer["digests"] or not officer["email"]:
        return  # opted out, deactivated or gone since the plan: nothing to send
    if officer["unit"] is None:
        unit = await Unit.select(Unit.code, Unit.name, Unit.path).where(Unit.parent.is_null()).order_by(
            Unit._meta.primary_key).first()
    else:
        unit = await Unit.select(Unit.code, Unit.name, Unit.path).where(Unit._meta.primary_key == officer["unit"]).first()
    if unit is None:
        return
    first, last = date.fromisoformat(p["first"]), date.fromisoformat(p["last"])
    numbers = await summary(unit["path"], first, last, settings.timezone)
    pdf = await report_pdf(unit["code"], f"{last:%Y-%m}", settings)
    subject, body = message_text(p["kind"], p["label"], first, last, unit, numbers, settings.base_url, pdf is not None)
    attachments = [(f"bao-cao-{unit['code']}-{last:%Y-%m}.pdf", pdf, "application/pdf")] if pdf else []
    try:
        await mail.send(settings, [officer["email"]], subject, body, attachments)
    except mail.MailNotConfigured as exc:
        raise PermanentFailure(f"{exc}: set the SMTP settings, then send this job again") from None
