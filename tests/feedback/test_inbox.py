"""The feedback inbox end to end through the real submission API: comments reach the managers of their unit
(and above, not beside), scrubbed and sorted; filters, handling, re-labelling, deadlines and the on-time share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from survey.db.tables import Counter, FeedbackComment, Job
from survey.feedback import services
from survey.feedback.deadlines import add_working_days
from survey.jobs.kinds import handlers, periodic
from survey.jobs.worker import Worker
from survey.qr.services import counter_token
from survey.settings import SettingsError, get_settings
from survey.units.services import import_counters
from tests.accounts.fixtures import HTML, login, post_form
from tests.support import idempotency_key

COUNTERS = "code,name,unit_code\nNB-001-TT-Q1,Quầy 1,NB-001-TT\nLC-001-TT-Q1,Quầy 1,LC-001-TT\n"
TZ = "Asia/Ho_Chi_Minh"


async def submit(client, token: str, comment: str, key: str, rating: int = 4) -> None:
    body = {"token": token, "answers": {"overall_sat": rating, "civil_servant_sat": rating, "comment": comment},
            "idempotency_key": idempotency_key(f"feedback-{key}")}
    answer = await client.post("/api/v1/responses", json=body)
    assert answer.status_code == 201, answer.text


@pytest.fixture
async def comments(client, world):
    await import_counters(COUNTERS)
    ids = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}
    nb = await counter_token(world.secret_key, ids["NB-001-TT-Q1"])
    lc = await counter_token(world.secret_key, ids["LC-001-TT-Q1"])
    await submit(client, nb, "Cán bộ nhiệt tình, gọi tôi số 0912 345 678 nếu cần", "k1", 5)
    await submit(client, nb, "Phòng chờ nóng quá, thiếu ghế ngồi", "k2", 2)
    await submit(client, nb, "   ", "k3")
    await submit(client, lc, "Trả kết quả trễ hẹn", "k4", 1)
    await Worker(handlers(), periodic=periodic()).run(until_idle=True)
    return world


async def test_comments_reach_their_units_managers_scrubbed_and_sorted(client, comments):
    rows = await FeedbackComment.select(FeedbackComment.text, FeedbackComment.elements).order_by(FeedbackComment.id)
    assert [r["text"] for r in rows] == ["Cán bộ nhiệt tình, gọi tôi số [điện thoại] nếu cần",
                                        "Phòng chờ nóng quá, thiếu ghế ngồi", "Trả kết quả trễ hẹn"]
    assert [r["elements"] for r in rows] == [",civil_servant,", ",access,", ",results,"]
    assert await services.ingest(TZ, 10) == []  # a second pass stores nothing twice
    assert await FeedbackComment.count() == 3
    assert await Job.count().where(Job.kind == "feedback.ingest", Job.status == "done") >= 1
    await login(client, "nbmanager")
    page = (await client.get("/officer/feedback", headers=HTML)).text
    assert "thiếu ghế ngồi" in page and "trễ hẹn" not in page and "0912" not in page
    assert "NB-001-TT-Q1" in page and "LC-001-TT-Q1" not in page
    by_element = (await client.get("/officer/feedback?element=access", headers=HTML)).text
    assert "thiếu ghế" in by_element and "nhiệt tình" not in by_element
    by_words = (await client.get("/officer/feedback?words=nhiet+TINH", headers=HTML)).text
    assert "nhiệt tình" in by_words and "thiếu ghế" not in by_words
    for bad in ("page=0", "status=x", "element=x", "period=2026-13x", "unit=LC"):
        assert (await client.get(f"/officer/feedback?{bad}", headers=HTML)).status_code in (400, 403), bad
    lc_id = (await FeedbackComment.select(FeedbackComment.id).where(FeedbackComment.text.like("%trễ hẹn%")).first())["id"]
    assert (await client.get(f"/officer/feedback/{lc_id}", headers=HTML)).status_code == 404
    await login(client, "admin")  # above every unit: sees both provinces
    everything = (await client.get("/officer/feedback", headers=HTML)).text
    assert "thiếu ghế ngồi" in everything and "trễ hẹn" in everything


async def test_a_manager_handles_relabels_and_closes_a_comment(client, comments):
    await login(client, "nbmanager")
    row = await FeedbackComment.select(FeedbackComment.id).where(FeedbackComment.text.like("%ghế%")).first()
    url = f"/officer/feedback/{row['id']}"
    refused = await post_form(client, f"{url}/handle", {"status": "answered", "reply": ""}, page=url)
    assert refused.status_code == 303
    assert (await FeedbackComment.select(FeedbackComment.status).where(FeedbackComment.id == row["id"]).first()) == {
        "status": "new"}
    assert "Cần ghi nội dung trả lời" in (await client.get(url, headers=HTML)).text
    await post_form(client, f"{url}/handle", {"status": "in_progress"}, page=url)
    await post_form(client, f"{url}/labels", {"elements": ["access", "feedback"]}, page=url)
    await post_form(client, f"{url}/handle", {"status": "answered", "reply": "Đã lắp thêm 10 ghế."}, page=url)
    stored = await FeedbackComment.select().where(FeedbackComment.id == row["id"]).first()
    assert stored["status"] == "answered" and stored["handler"] == "nbmanager"
    assert stored["reply"] == "Đã lắp thêm 10 ghế." and stored["handled_at"] is not None
    assert stored["elements"] == ",access,feedback," and stored["elements_by_hand"]
    again = await post_form(client, f"{url}/handle", {"status": "not_actionable"}, page=url)
    assert again.status_code == 303
    assert (await FeedbackComment.select(FeedbackComment.status).where(FeedbackComment.id == row["id"]).first())[
        "status"] == "answered"
    assert (await post_form(client, f"{url}/labels", {"elements": ["nonsense"]}, page=url)).status_code == 303


async def test_overdue_and_the_share_handled_on_time(client, comments):
    rows = await FeedbackComment.select(FeedbackComment.id, FeedbackComment.period).order_by(FeedbackComment.id)
    period = rows[0]["period"]
    nb_path = "/"  # whole country: both provinces
    assert await services.overdue_count(nb_path, TZ) == 0
    late = (date.today() - timedelta(days=3)).isoformat()
    await FeedbackComment.update({FeedbackComment.due_on: late}).where(FeedbackComment.id.is_in([rows[0]["id"],
                                                                                                 rows[1]["id"]]))
    assert await services.overdue_count(nb_path, TZ) == 2
    await login(client, "admin")  # both overdue comments are in Ninh Bình, none in Lào Cai
    for unit, expected in (("NB", 2), ("LC", 0)):
        dashboard = await client.get(f"/officer/dashboard?scope={unit}", headers=HTML)
        assert dashboard.status_code == 200, dashboard.text[:300]
        tile = dashboard.text.split('id="overdue-comments"', 1)[1].split("</section>", 1)[0]
        assert f'<p class="figure">{expected}</p>' in tile
    # One overdue comment is closed late, one stays open and late; the third is open and not yet due.
    await FeedbackComment.update({FeedbackComment.status: "answered", FeedbackComment.handled_at:
                                  datetime.now(UTC)}).where(FeedbackComment.id == rows[0]["id"])
    result = await services.handled_on_time(nb_path, [period], TZ)
    assert (result.due, result.on_time, result.share) == (2, 0, 0.0)
    await FeedbackComment.update({FeedbackComment.status: "not_actionable", FeedbackComment.handled_at:
                                  datetime.now(UTC)}).where(FeedbackComment.id == rows[2]["id"])
    result = await services.handled_on_time(nb_path, [period], TZ)
    assert (result.due, result.on_time) == (3, 1) and result.share == pytest.approx(1 / 3)
    assert (await services.handled_on_time(nb_path, ["1999-01"], TZ)).share is None


def test_working_days_skip_weekends():
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1) == date(2026, 12, 7)
    assert add_working_days(friday, 10) == date(2026, 12, 18)
    assert add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Saturday counts from Monday


def test_public_holidays_are_not_working_days(monkeypatch):
    # The fixed ones: 30 April and 1 May 2026 are Thursday and Friday.
    assert add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)  # 1 January 2027 is a Friday
    # Those that move come from SURVEY_HOLIDAYS: Tết as a range, a day in lieu alone.
    monkeypatch.setenv("SURVEY_HOLIDAYS", "2027-02-05..2027-02-10, 2027-04-16")
    get_settings.cache_clear()
    holidays = get_settings().holidays
    assert len(holidays) == 7 and date(2027, 2, 8) in holidays
    assert add_working_days(date(2027, 2, 4), 1, holidays) == date(2027, 2, 11)
    assert add_working_days(date(2027, 2, 4), 10, holidays) == date(2027, 2, 24)
    assert add_working_days(date(2027, 2, 4), 10) == date(2027, 2, 18)  # without them: a week earlier
    for bad in ("2027-02-30", "2027-02-10..2027-02-05", "tết"):
        monkeypatch.setenv("SURVEY_HOLIDAYS", bad)
        get_settings.cache_clear()
        with pytest.raises(SettingsError, match="SURVEY_HOLIDAYS"):
            get_settings()
    get_settings.cache_clear()


async def test_admins_edit_the_lexicon_and_new_comments_follow_it(client, comments, world):
    await login(client, "admin")
    saved = await post_form(client, "/officer/feedback/lexicon", {"access": "máy lấy số", "results": "trễ hẹn"},
                            page="/officer/feedback/lexicon")
    assert saved.status_code == 303
    assert "máy lấy số" in (await client.get("/officer/feedback/lexicon", headers=HTML)).text
    ids = {r["code"]: r["id"] for r in await Counter.select(Counter.id, Counter.code)}
    token = await counter_token(world.secret_key, ids["NB-001-TT-Q1"])
    await submit(client, token, "Cán bộ vui vẻ nhưng may lay so hỏng", "k9")
    await services.ingest(TZ, 10)
    newest = await FeedbackComment.select(FeedbackComment.elements).order_by(FeedbackComment.id, ascending=False).first()
    assert newest["elements"] == ",access,"
    await login(client, "nbmanager")
    assert (await client.get("/officer/feedback/lexicon", headers=HTML)).status_code == 403


async def test_overdue_comments_raise_one_alert_per_unit_and_day(client, comments):
    from survey.alerts.services import evaluate
    from survey.db.tables import Alert

    late = (date.today() - timedelta(days=2)).isoformat()
    await FeedbackComment.update({FeedbackComment.due_on: late}, force=True)
    raised = await evaluate(TZ, reports=False)
    titles = sorted(r["title"] for r in await Alert.select(Alert.title).where(Alert.kind == "overdue_comments"))
    assert len(raised) == 2 and titles == ["Trung tâm PVHCC Xã Hai: 1 góp ý quá hạn xử lý",
                                           "Trung tâm PVHCC Xã Một: 2 góp ý quá hạn xử lý"]
    assert await evaluate(TZ, reports=False) == []
