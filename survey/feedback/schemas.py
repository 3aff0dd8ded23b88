"""The inbox's filters and handling form, and what its pages show of a comment."""

from __future__ import annotations

from datetime import datetime

import msgspec

COMMENT_ITEM = "comment"  # the free-text item of the shipped instruments (sipas_qr, sipas_full)
NEW, IN_PROGRESS, ANSWERED, NOT_ACTIONABLE = "new", "in_progress", "answered", "not_actionable"
STATUSES = (NEW, IN_PROGRESS, ANSWERED, NOT_ACTIONABLE)
CLOSED = (ANSWERED, NOT_ACTIONABLE)
STATUS_NAMES = {
    NEW: "Mới",
    IN_PROGRESS: "Đang xử lý",
    ANSWERED: "Đã trả lời",
    NOT_ACTIONABLE: "Không cần xử lý",
}


class InboxFilter(msgspec.Struct, frozen=True):
    unit: str = ""
    period: str = ""
    element: str = ""
    status: str = ""
    words: str = ""
    overdue: bool = False
    page: int = 1


class Handling(msgspec.Struct, frozen=True):
    status: str
    reply: str = ""


class CommentView(msgspec.Struct, frozen=True):
    id: int
    unit_code: str
    unit_name: str
    counter_code: str
    procedure_name: str | None
    received_local: str
    period: str
    text: str
    ratings: dict[str, int | None]
    elements: list[str]
    elements_by_hand: bool
    status: str
    handler: str
    reply: str
    due_on: str
    handled_at: datetime | None
    overdue: bool


class OnTime(msgspec.Struct, frozen=True):
    """Comments due in a period and how many of them were handled by their deadline (Decision 766's notion
    of complaints handled on time). ``share`` is None when none fell due."""

    due: int
    on_time: int
    share: float | None
