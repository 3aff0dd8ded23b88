"""Use cases of the feedback inbox.

Comments reach the inbox through the worker (``ingest``, every few seconds), not through the citizen's
request: the submission path stays as short as it is, and a comment is never lost, because the worker reads
the stored answers from where it stopped. Response ids are handed out before commit, so a transaction that
commits late can carry an id below ones already read: each pass re-reads a margin of ``LATE_MARGIN`` ids behind
its cursor, and a comment is stored once per response (unique column), however often it is read.

The text is scrubbed on the way in (the exports' scrubber: e-mail addresses, phone and ID numbers, names after
a form of address), so the inbox never shows more than a research export with text would.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.audit import record
from survey.core.ratings import ELEMENT_COLUMNS as RATING_COLUMNS
from survey.db.engine import write_transaction
from survey.db.tables import Answer, FeedbackComment, FeedbackKeyword, KeyValue, Response
from survey.exports.scrub import scrub
from survey.feedback import contacts, lexicon
from survey.feedback.deadlines import due_on, local_date
from survey.feedback.schemas import (
    ANSWERED,
    CLOSED,
    COMMENT_ITEM,
    IN_PROGRESS,
    NEW,
    STATUSES,
    CommentView,
    Handling,
    InboxFilter,
    OnTime,
)

INGESTED_STATUSES = ("valid", "flagged")
CURSOR_KEY = "feedback.ingest.cursor"
LATE_MARGIN = 2000
BATCH = 2000
PAGE_SIZE = 50
REPLY_LIMIT = 4000


class FeedbackError(ValueError):
    """A handling step that cannot be taken; the message says why (Vietnamese, then English)."""


def frame(elements: list[str]) -> str:
    return "," + ",".join(elements) + "," if elements else ""


def unframe(value: str) -> list[str]:
    return [e for e in value.split(",") if e]


# --- the lexicon -------------------------------------------------------------------------------------------

async def current_lexicon() -> dict[str, tuple[str, ...]]:
    """The administrators' lexicon, or the shipped one while they have not saved any."""
    rows = await FeedbackKeyword.select(FeedbackKeyword.element, FeedbackKeyword.keyword)
    if not rows:
        return dict(lexicon.DEFAULT)
    found: dict[str, list[str]] = {e: [] for e in lexicon.ELEMENTS}
    for row in rows:
        found.setdefault(row["element"], []).append(row["keyword"])
    return {e: tuple(sorted(k)) for e, k in found.items()}


async def save_lexicon(keywords: dict[str, list[str]], actor: str) -> None:
    """Replace the lexicon. Labels already given are kept; new comments are sorted with the new one."""
    unknown = set(keywords) - set(lexicon.ELEMENTS)
    if unknown:
        raise FeedbackError("Nhóm tiêu chí không hợp lệ. / Unknown element.")
    cleaned = {e: sorted({k.strip() for k in keywords.get(e, []) if k.strip()}) for e in lexicon.ELEMENTS}
    if any(len(k) > 128 for words in cleaned.values() for k in words):
        raise FeedbackError("Mỗi từ khoá tối đa 128 ký tự. / Keywords have at most 128 characters.")
    if not any(cleaned.values()):
        raise FeedbackError("Từ điển không được để trống. / The lexicon cannot be empty.")
    async with write_transaction():
        await FeedbackKeyword.delete(force=True)
        await FeedbackKeyword.insert(*(FeedbackKeyword(element=e, keyword=k) for e, words in cleaned.items()
                                       for k in words))
        await record("feedback.lexicon", actor=actor, keywords=sum(len(w) for w in cleaned.values()))


# --- ingestion (worker) ------------------------------------------------------------------------------------

async def _cursor() -> int:
    row = await KeyValue.select(KeyValue.value).where(KeyValue.key == CURSOR_KEY).first()
    return int(bytes(row["value"]).decode()) if row else 0


async def _set_cursor(value: int) -> None:
    updated = await KeyValue.update({KeyValue.value: str(value).encode()}).where(
        KeyValue.key == CURSOR_KEY).returning(KeyValue.id)
    if not updated:
        await KeyValue.insert(KeyValue(key=CURSOR_KEY, value=str(value).encode()))


def _ratings(row: dict[str, Any]) -> dict[str, int | None]:
    ratings = {element: row[f"response.{column}"] for element, column in zip(lexicon.ELEMENTS, RATING_COLUMNS)}
    ratings["overall"] = row["response.overall"]
    return ratings


async def ingest(tz: str, deadline_days: int, holidays: Collection[date] = ()) -> list[int]:
    """Bring comments stored since the last pass into the inbox; returns the new comments' ids."""
    from survey.webhooks.services import publish

    compiled = lexicon.compile_lexicon(await current_lexicon())
    created: list[int] = []
    while True:
        start = max(0, await _cursor() - LATE_MARGIN)
        newest = await Response.select(Response.id).order_by(Response.id, ascending=False).first()
        rows = await (
            Answer.select(
                Answer.response, Answer.value_text, Answer.response.unit, Answer.response.counter,
                Answer.response.procedure, Answer.response.received_at, Answer.response.period,
                *(getattr(Answer.response, c) for c in (*RATING_COLUMNS, "overall")),
            )
            .where(Answer.response > start, Answer.item_code == COMMENT_ITEM, Answer.value_text.is_not_null(),
                   Answer.response.status.is_in(list(INGESTED_STATUSES)))
            .order_by(Answer.response)
            .limit(BATCH)
        )
        full = len(rows) == BATCH
        reached = rows[-1]["response"] if full else (newest["id"] if newest else 0)
        cursor = await _cursor()
        if rows:  # the margin re-reads responses already in the inbox: skip them without a write each
            known = {r["response"] for r in await FeedbackComment.select(FeedbackComment.response).where(
                FeedbackComment.response >= rows[0]["response"], FeedbackComment.response <= rows[-1]["response"])}
            rows = [row for row in rows if row["response"] not in known]
        if not rows and reached <= cursor:
            return created  # nothing new: no write, so an idle pass never takes SQLite's write lock
        async with write_transaction():
            for row in rows:
                text = scrub((row["value_text"] or "").strip())
                if not text:
                    continue
                received = row["response.received_at"]
                inserted = await FeedbackComment.insert(FeedbackComment(
                    response=row["response"], unit=row["response.unit"], counter=row["response.counter"],
                    procedure=row["response.procedure"], received_at=received, period=row["response.period"],
                    text=text, search_text=lexicon.normalize(text), ratings=_ratings(row),
                    elements=frame(lexicon.classify(text, compiled)), status=NEW,
                    due_on=due_on(received, tz, deadline_days, holidays),
                )).on_conflict(target=FeedbackComment.response, action="DO NOTHING").returning(FeedbackComment.id)
                if inserted:
                    created.append(inserted[0]["id"])
                    await publish("comment.received", {"comment": inserted[0]["id"], "unit": row["response.unit"],
                                                       "elements": lexicon.classify(text, compiled), "text": text})
            await _set_cursor(max(reached, cursor))
        if not full:
            return created


# --- the inbox ---------------------------------------------------------------------------------------------

def _today(tz: str) -> str:
    return datetime.now(ZoneInfo(tz)).date().isoformat()


async def _scope_path(officer: CurrentOfficer, unit_code: str) -> str:
    if not unit_code:
        return officer.unit_path
    unit = await authorize_unit(officer, unit_code)
    return unit["path"]


def _view(row: dict[str, Any], tz: str, today: str) -> CommentView:
    received = row["received_at"]
    return CommentView(
        id=row["id"], unit_code=row["unit.code"], unit_name=row["unit.name"], counter_code=row["counter.code"],
        procedure_name=row["procedure.name"],
        received_local=received.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M") if received else "",
        period=row["period"], text=row["text"], ratings=row["ratings"] or {}, elements=unframe(row["elements"]),
        elements_by_hand=row["elements_by_hand"], status=row["status"], handler=row["handler"], reply=row["reply"],
        due_on=row["due_on"], handled_at=row["handled_at"],
        overdue=row["status"] not in CLOSED and row["due_on"] < today,
    )


def _columns() -> tuple:
    c = FeedbackComment
    return (c.id, c.unit.code, c.unit.name, c.counter.code, c.procedure.name, c.received_at, c.period, c.text,
            c.ratings, c.elements, c.elements_by_hand, c.status, c.handler, c.reply, c.due_on, c.handled_at)


def check_filter(filters: InboxFilter) -> None:
    if filters.page < 1:
        raise FeedbackError("Số trang phải từ 1. / page must be 1 or more.")
    if filters.status and filters.status not in STATUSES:
        raise FeedbackError("Trạng thái không hợp lệ. / Unknown status.")
    if filters.element and filters.element not in lexicon.ELEMENTS:
        raise FeedbackError("Tiêu chí không hợp lệ. / Unknown element.")
    if filters.period and not (len(filters.period) == 7 and filters.period[4] == "-"
                               and filters.period.replace("-", "").isdigit()):
        raise FeedbackError("Kỳ phải có dạng YYYY-MM. / period must be YYYY-MM.")
    if len(filters.words) > 200:
        raise FeedbackError("Từ tìm kiếm quá dài. / Search words too long.")


async def inbox(officer: CurrentOfficer, filters: InboxFilter, tz: str) -> tuple[list[CommentView], bool]:
    """One page of comments in the officer's scope matching the filters, newest first, and whether more follow."""
    check_filter(filters)
    path = await _scope_path(officer, filters.unit)
    today = _today(tz)
    c = FeedbackComment
    query = c.select(*_columns()).where(c.unit.path.like(path + "%")).output(load_json=True)
    if filters.period:
        query = query.where(c.period == filters.period)
    if filters.status:
        query = query.where(c.status == filters.status)
    if filters.element:
        query = query.where(c.elements.like(f"%,{filters.element},%"))
    if filters.overdue:
        query = query.where(c.status.not_in(list(CLOSED)), c.due_on < today)
    for word in lexicon.normalize(filters.words).split():
        query = query.where(c.search_text.like(f"% {word}%"))
    rows = await query.order_by(c.id, ascending=False).offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return [_view(row, tz, today) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


async def comment(officer: CurrentOfficer, comment_id: int, tz: str) -> CommentView:
    """One comment, if it is in the officer's scope (a comment elsewhere is not found, as for any object)."""
    from litestar.exceptions import NotFoundException

    from survey.db.tables import MAX_ROW_ID

    row = None
    if 0 < comment_id <= MAX_ROW_ID:
        row = await FeedbackComment.select(*_columns()).where(
            FeedbackComment.id == comment_id, FeedbackComment.unit.path.like(officer.unit_path + "%")
        ).output(load_json=True).first()
    if row is None:
        raise NotFoundException(f"Không có góp ý #{comment_id}. / No comment #{comment_id}.")
    return _view(row, tz, _today(tz))


async def handle(officer: CurrentOfficer, comment_id: int, step: Handling, tz: str) -> None:
    """Move a comment along new → being handled → answered / not actionable, with the reply text."""
    from survey.webhooks.services import publish

    current = await comment(officer, comment_id, tz)
    if step.status not in STATUSES or step.status == NEW:
        raise FeedbackError("Trạng thái xử lý không hợp lệ. / Unknown handling status.")
    reply = step.reply.strip()
    if len(reply) > REPLY_LIMIT:
        raise FeedbackError(f"Nội dung trả lời tối đa {REPLY_LIMIT} ký tự. / The reply is too long.")
    if step.status == ANSWERED and not reply:
        raise FeedbackError("Cần ghi nội dung trả lời. / An answer needs a reply text.")
    if current.status in CLOSED and step.status != IN_PROGRESS:
        raise FeedbackError("Góp ý đã đóng; mở lại bằng «Đang xử lý». / Closed; reopen it as being handled.")
    closing = step.status in CLOSED
    async with write_transaction():
        await FeedbackComment.update({
            FeedbackComment.status: step.status, FeedbackComment.handler: officer.username,
            FeedbackComment.reply: reply or current.reply,
            FeedbackComment.handled_at: datetime.now(UTC) if closing else None,
            FeedbackComment.updated_at: datetime.now(UTC),
        }).where(FeedbackComment.id == comment_id)
        await record("feedback.handle", actor=officer.username, target=f"comment:{comment_id}", status=step.status)
        if closing:  # the citizen's contact was kept for this answer only
            await contacts.forget_comment(comment_id)
        if step.status == ANSWERED:
            await publish("comment.answered", {"comment": comment_id, "unit": current.unit_code, "reply": reply})


async def relabel(officer: CurrentOfficer, comment_id: int, elements: list[str], tz: str) -> None:
    await comment(officer, comment_id, tz)
    if set(elements) - set(lexicon.ELEMENTS):
        raise FeedbackError("Tiêu chí không hợp lệ. / Unknown element.")
    chosen = [e for e in lexicon.ELEMENTS if e in elements]
    async with write_transaction():
        await FeedbackComment.update({FeedbackComment.elements: frame(chosen), FeedbackComment.elements_by_hand: True,
                                      FeedbackComment.updated_at: datetime.now(UTC)}).where(
            FeedbackComment.id == comment_id)
        await record("feedback.relabel", actor=officer.username, target=f"comment:{comment_id}", elements=chosen)


# --- figures for the dashboard and the reports -------------------------------------------------------------

async def overdue_count(unit_path: str, tz: str) -> int:
    """Open comments past their deadline in a unit and everything under it."""
    return await FeedbackComment.count().where(
        FeedbackComment.unit.path.like(unit_path + "%"), FeedbackComment.status.not_in(list(CLOSED)),
        FeedbackComment.due_on < _today(tz))


async def handled_on_time(unit_path: str, months: list[str], tz: str, today: date | None = None) -> OnTime:
    """Of the comments received in ``months`` (YYYY-MM) in a unit and below, those that have fallen due (their
    deadline has passed, or they were closed), and how many were closed by their deadline (local date).

    A comment still open before its deadline is left out: whether it will be on time is not known yet.
    """
    today_text = (today or datetime.now(ZoneInfo(tz)).date()).isoformat()
    rows = await FeedbackComment.select(FeedbackComment.status, FeedbackComment.due_on,
                                        FeedbackComment.handled_at).where(
        FeedbackComment.unit.path.like(unit_path + "%"), FeedbackComment.period.is_in(months or [""]))
    due = on_time = 0
    for row in rows:
        closed = row["status"] in CLOSED and row["handled_at"] is not None
        if not closed and row["due_on"] >= today_text:
            continue
        due += 1
        if closed and local_date(row["handled_at"], tz).isoformat() <= row["due_on"]:
            on_time += 1
    return OnTime(due=due, on_time=on_time, share=on_time / due if due else None)
