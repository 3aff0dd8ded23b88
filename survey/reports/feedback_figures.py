"""The feedback inbox's figure in reports: the share of comments handled on time (Decision 766/QĐ-TTg).

Kept apart from the index's queries: it reads the inbox (survey/feedback), not the responses' sums.
"""

from __future__ import annotations

from survey.reports.model import CommentsOnTime


async def comments_on_time(unit_path: str, months: list[str], tz: str) -> CommentsOnTime:
    """Comments of the unit and below received in ``months`` that fell due, and those closed in time."""
    from survey.feedback.services import handled_on_time

    found = await handled_on_time(unit_path, months, tz)
    return CommentsOnTime(due=found.due, on_time=found.on_time, share=found.share)
