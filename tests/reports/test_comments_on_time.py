"""The share of comments handled on time (Decision 766/QĐ-TTg) in the report of each unit and period: in the
report model, its JSON, and the lines every document renderer prints (PDF read back with pypdf)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from pypdf import PdfReader

from survey.db.tables import FeedbackComment
from survey.feedback.services import ingest
from survey.reports import formatting
from survey.reports.formats import get_format
from survey.reports.letterhead import letterhead_for
from survey.reports.services import build_report, parse_request
from tests.exports.conftest import survey_data  # noqa: F401  (fixture: comments in July-September 2026)

TZ = "Asia/Ho_Chi_Minh"


async def test_on_time_share_per_unit_and_period(survey_data):  # noqa: F811
    await ingest(TZ, 10)
    comments = await FeedbackComment.select(FeedbackComment.id, FeedbackComment.received_at,
                                            FeedbackComment.unit.code, FeedbackComment.period).where(
        FeedbackComment.unit.code == "P1-01-TT", FeedbackComment.period == "2026-09").order_by(FeedbackComment.id)
    assert len(comments) >= 3
    # One closed the next day (on time), one a month later (late); the others stay open, past their deadline.
    for row, days in ((comments[0], 1), (comments[1], 40)):
        await FeedbackComment.update({FeedbackComment.status: "answered",
                                      FeedbackComment.handled_at: row["received_at"] + timedelta(days=days)}).where(
            FeedbackComment.id == row["id"])
    formatting.activate("vi", TZ)
    report = await build_report(parse_request("P1-01-TT", "2026-09"), "vi", TZ)
    c = report.comments_on_time
    assert (c.due, c.on_time) == (len(comments), 1) and abs(c.share - 1 / len(comments)) < 1e-12
    assert json.loads(get_format("json").render(report, None))["comments_on_time"]["on_time"] == 1
    line = f"Góp ý của người dân được xử lý đúng hạn: {formatting.current().percent(c.share)} — 1 trong {len(comments)}"
    pdf = get_format("pdf").render(report, await letterhead_for("P1-01-TT"))
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert line in text
    assert line in get_format("html").render(report, None).decode()
    # Another period of the same unit, and another unit, have their own shares.
    august = await build_report(parse_request("P1-01-TT", "2026-08"), "vi", TZ)
    assert august.comments_on_time.on_time == 0 and august.comments_on_time.due > 0
    other = await build_report(parse_request("P2", "2026-09"), "vi", TZ)
    assert other.comments_on_time.due > 0 and other.comments_on_time.on_time == 0
