"""Digests: planned in the configured time zone, once per week or month and recipient however often planned,
mailed through a real SMTP server (aiosmtpd) with the Vietnamese subject and body intact and the unit's PDF
report attached (pypdf reads it); an officer who opted out gets nothing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from survey.accounts.services import create_officer, set_mail_settings
from survey.alerts import digests
from survey.db.tables import Job, Officer
from survey.jobs.kinds import handlers
from survey.jobs.worker import Worker
from tests.alerts.test_alerts import smtp  # noqa: F401  (fixture: a real SMTP server)
from tests.exports.conftest import survey_data  # noqa: F401  (fixture: units and responses, July-September 2026)

TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def world(survey_data):  # noqa: F811  (the SMTP fixture's database)
    return survey_data["settings"]


def test_digests_fall_due_at_seven_local_time():
    # Monday 5 October 2026, 06:59 in Hanoi is 23:59 UTC on Sunday: not yet; 07:00 is.
    assert digests.due_digests(datetime(2026, 10, 4, 23, 59, tzinfo=UTC), TZ) == []
    [weekly] = digests.due_digests(datetime(2026, 10, 5, 0, 0, tzinfo=UTC), TZ)
    assert weekly == ("weekly", "2026-W40", date(2026, 9, 28), date(2026, 10, 4))
    # Thursday 1 October 2026, 08:00 local: the September digest; two days later it is no longer sent.
    assert digests.due_digests(datetime(2026, 10, 1, 1, 0, tzinfo=UTC), TZ) == [
        ("monthly", "2026-09", date(2026, 9, 1), date(2026, 9, 30))]
    assert digests.due_digests(datetime(2026, 10, 3, 1, 0, tzinfo=UTC), TZ) == []


async def test_monthly_digest_is_mailed_once_with_the_pdf_and_not_to_those_who_opted_out(smtp, world):  # noqa: F811
    await create_officer("p1lead", "p1-lead-password-1", "manager", "P1", "Lãnh đạo Tỉnh Một")
    await create_officer("p2lead", "p2-lead-password-1", "manager", "P2")
    await create_officer("nomail", "no-mail-password-1", "manager", "P2")
    await create_officer("searcher", "researcher-pass-1", "researcher")
    ids = {row["username"]: row["id"] for row in await Officer.select(Officer.id, Officer.username)}
    await set_mail_settings(ids["p1lead"], "p1lead", "lanhdao@tinhmot.gov.vn", True, actor="t")
    await set_mail_settings(ids["p2lead"], "p2lead", "lanhdao@tinhhai.gov.vn", False, actor="t")  # opted out
    await set_mail_settings(ids["searcher"], "searcher", "nc@vien.edu.vn", True, actor="t")  # not a manager
    moment = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)  # 08:00 on 1 October in Hanoi
    assert await digests.plan(moment, TZ) == 1
    assert await digests.plan(moment, TZ) == 0  # planned again (another worker, the next quarter hour): once
    await Worker({k: v for k, v in handlers().items() if k == digests.SEND_JOB},
                 long_kinds=frozenset({digests.SEND_JOB})).run(until_idle=True)
    assert await Job.count().where(Job.kind == digests.SEND_JOB, Job.status == "done") == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["lanhdao@tinhmot.gov.vn"]
    assert message["Subject"] == "[SIPAS] Bản tin tháng 09/2026 – Tỉnh Một"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bản tin tháng 09/2026 của Tỉnh Một (P1)." in body
    assert "Phiếu khảo sát hợp lệ nhận được: " in body and "Báo cáo chỉ số hài lòng (PDF)" in body
    count = int(body.split("Phiếu khảo sát hợp lệ nhận được: ")[1].split()[0])
    assert count > 0
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "bao-cao-P1-2026-09.pdf"
    assert attachment.get_content_type() == "application/pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 1 and "Tỉnh Một" in text


async def test_an_officer_who_opts_out_after_planning_gets_nothing(smtp, world):  # noqa: F811
    await create_officer("p1lead", "p1-lead-password-1", "manager", "P1")
    officer = await Officer.select(Officer.id).where(Officer.username == "p1lead").first()
    await set_mail_settings(officer["id"], "p1lead", "lanhdao@tinhmot.gov.vn", True, actor="t")
    assert await digests.plan(datetime(2026, 10, 5, 1, 0, tzinfo=UTC), TZ) == 1  # Monday: the weekly one
    await set_mail_settings(officer["id"], "p1lead", "lanhdao@tinhmot.gov.vn", False, actor="p1lead")
    await Worker({k: v for k, v in handlers().items() if k == digests.SEND_JOB}).run(until_idle=True)
    assert smtp.messages == []
