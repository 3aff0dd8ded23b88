"""Flagged responses: the queue a manager reviews for their units, and the decision (valid or excluded)."""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException

from survey.accounts.guards import CurrentOfficer
from survey.admin.errors import AdminError
from survey.audit import record
from survey.core.responses import REVIEW_DECISIONS, ResponseStatus
from survey.db.engine import write_transaction
from survey.db.tables import MAX_ROW_ID, Answer, Response
from survey.rollup.maintain import status_changed
from survey.settings import get_settings

DECISIONS = REVIEW_DECISIONS
# Why a response was flagged (``Response.flag_reason``), in the reviewer's words.
FLAG_REASONS = {
    "address": "nhiều phiếu từ một địa chỉ mạng tại quầy trong 10 phút",
    "network": "nhiều phiếu từ một dải địa chỉ mạng tại quầy trong 10 phút",
    "counter_rate": "quầy nhận nhiều phiếu hơn mức có thể phục vụ trong 10 phút",
    "identical_run": "nhiều phiếu liên tiếp giống hệt nhau tại quầy",
    "": "gửi dồn dập từ một thiết bị",
}
QUEUE_LIMIT = 200


async def flagged_responses(officer: CurrentOfficer) -> list[dict]:
    """The oldest flagged responses in scope, with their free-text answers, for a reviewer to judge."""
    rows = await (
        Response.select(
            Response.id, Response.received_at, Response.period, Response.channel, Response.device_hash,
            Response.flag_reason,
            Response.e1, Response.e2, Response.e3, Response.e4, Response.e5, Response.overall,
            Response.unit.code.as_alias("unit_code"), Response.counter.code.as_alias("counter_code"),
        )
        .where(Response.status == ResponseStatus.FLAGGED, Response.unit.path.like(officer.unit_path + "%"))
        .order_by(Response.received_at)
        .limit(QUEUE_LIMIT)
    )
    if rows:
        texts = await Answer.select(Answer.response, Answer.item_code, Answer.value_text).where(
            Answer.response.is_in([r["id"] for r in rows]), Answer.value_text.is_not_null()
        )
        by_response: dict[int, list[dict]] = {}
        for text in texts:
            by_response.setdefault(text["response"], []).append(text)
        for row in rows:
            row["texts"] = by_response.get(row["id"], [])
            row["reason"] = FLAG_REASONS.get(row["flag_reason"], row["flag_reason"])
    return rows


async def review_response(officer: CurrentOfficer, response_id: int, decision: str) -> None:
    if decision not in DECISIONS:
        raise AdminError(f"Quyết định phải là một trong: {', '.join(DECISIONS)}")
    row = await Response.select(Response.id, Response.status, Response.unit.path, Response.unit.code).where(
        Response.id == response_id
    ).first() if 0 < response_id <= MAX_ROW_ID else None
    if row is None:
        raise NotFoundException(f"Không có phiếu #{response_id}. / No response #{response_id}.")
    if not officer.sees(row["unit.path"]):
        raise PermissionDeniedException("Phiếu thuộc đơn vị ngoài phạm vi của bạn. / Response outside your scope.")
    async with write_transaction():
        # The status condition makes two reviewers deciding at once safe: the second one updates nothing.
        changed = await Response.update({Response.status: decision}).where(
            Response.id == response_id, Response.status == ResponseStatus.FLAGGED
        ).returning(Response.id)
        if not changed:
            raise AdminError(f"Phiếu #{response_id} đã được xem xét trước đó")
        await status_changed([response_id], ResponseStatus.FLAGGED, get_settings().timezone)
        await record("response.review", officer.username, target=f"response:{response_id}",
                     decision=decision, unit=row["unit.code"])
