"""Flagged responses: the queue a manager reviews for their units, and the decision (valid or excluded).

The queue groups the responses by counter and local day, since a burst at one counter on one morning is what a
reviewer judges as a whole, and names each flag's reason. Nobody decides on the answers their own figures rest
on: with the default rule (``SURVEY_REVIEW_BY=above``) a flagged response is decided by an officer of a unit
at least two levels above the response's unit, the unit its counter belongs to (a centre) and the unit that
centre serves (its commune or province) being the ones whose index the answers move. ``scope`` lets anyone
with the response in scope decide, as before.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.exceptions import NotFoundException, PermissionDeniedException

from survey.accounts.guards import CurrentOfficer
from survey.admin.errors import AdminError
from survey.audit import record
from survey.core.i18n import N_
from survey.core.i18n import gettext as _
from survey.core.responses import REVIEW_DECISIONS, ResponseStatus
from survey.core.units import UnitPath
from survey.db.engine import write_transaction
from survey.db.tables import MAX_ROW_ID, Answer, Response
from survey.reports.formatting import Formatter
from survey.rollup.maintain import status_changed
from survey.settings import get_settings

DECISIONS = REVIEW_DECISIONS
REVIEW_RULES = ("above", "scope")
# Why a response was flagged (``Response.flag_reason``), in the reviewer's words.
FLAG_REASONS = {
    "address": N_("several responses from one network address at the counter within 10 minutes"),
    "network": N_("several responses from one network range at the counter within 10 minutes"),
    "counter_rate": N_("the counter received more responses within 10 minutes than it can serve"),
    "identical_run": N_("a run of identical responses in a row at the counter"),
    "presence": N_("no code shown on the counter's screen when the form was opened (the counter requires presence)"),
    "": N_("a burst of submissions from one device"),
}
QUEUE_LIMIT = 200


def flag_reason(code: str | None) -> str:
    code = code or ""
    return _(FLAG_REASONS[code]) if code in FLAG_REASONS else code


def may_decide(officer: CurrentOfficer, unit_path: str, rule: str = "above") -> bool:
    """Whether ``officer`` may decide a flagged response of the unit at ``unit_path`` (already in scope):
    under ``above``, only from two levels up (a national administrator, attached to no unit, always may)."""
    if rule == "scope" or officer.unit_path == "/":
        return True
    return UnitPath.parse(unit_path).depth >= UnitPath.parse(officer.unit_path).depth + 2


async def flagged_responses(officer: CurrentOfficer) -> list[dict]:
    """The oldest flagged responses in scope, with their free-text answers, for a reviewer to judge."""
    rows = await (
        Response.select(
            Response.id, Response.received_at, Response.period, Response.channel, Response.device_hash,
            Response.flag_reason,
            Response.e1, Response.e2, Response.e3, Response.e4, Response.e5, Response.overall,
            Response.unit.code.as_alias("unit_code"), Response.unit.name.as_alias("unit_name"),
            Response.unit.path.as_alias("unit_path"),
            Response.counter.code.as_alias("counter_code"), Response.counter.name.as_alias("counter_name"),
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
            row["reason"] = flag_reason(row["flag_reason"])
    return rows


async def flagged_backlog(officer: CurrentOfficer) -> int:
    """How many flagged responses in scope wait for a decision (the dashboard's reminder)."""
    return await Response.count().where(Response.status == ResponseStatus.FLAGGED,
                                        Response.unit.path.like(officer.unit_path + "%"))


def grouped(rows: Iterable[dict], officer: CurrentOfficer, formatter: Formatter, rule: str) -> list[dict]:
    """The queue by counter and local day (oldest day first), each row with its local time and whether this
    officer may decide it."""
    groups: dict[tuple, dict] = {}
    for row in rows:
        local = formatter.local(row["received_at"])
        row["local_time"] = local.strftime("%H:%M") if local else ""
        row["decidable"] = may_decide(officer, row["unit_path"], rule)
        key = (local.date() if local else None, row["counter_code"] or "")
        group = groups.setdefault(key, {
            "day": formatter.date(local), "counter_code": row["counter_code"], "counter_name": row["counter_name"],
            "unit_code": row["unit_code"], "unit_name": row["unit_name"], "rows": [], "reasons": {}})
        group["rows"].append(row)
        group["reasons"][row["reason"]] = group["reasons"].get(row["reason"], 0) + 1
    return [groups[key] for key in sorted(groups, key=lambda k: (k[0] is None, k[0] or 0, k[1]))]


async def review_response(officer: CurrentOfficer, response_id: int, decision: str, rule: str = "above") -> None:
    if decision not in DECISIONS:
        raise AdminError(_("The decision must be one of: %(decisions)s", decisions=", ".join(DECISIONS)))
    row = await Response.select(Response.id, Response.status, Response.unit.path, Response.unit.code).where(
        Response.id == response_id
    ).first() if 0 < response_id <= MAX_ROW_ID else None
    if row is None:
        raise NotFoundException(_("No response #%(id)s.", id=response_id))
    if not officer.sees(row["unit.path"]):
        raise PermissionDeniedException(_("This response belongs to a unit outside your scope."))
    if not may_decide(officer, row["unit.path"], rule):
        raise AdminError(_("Response #%(id)s counts towards your own unit's figures: an officer of the level above "
                           "decides it.", id=response_id))
    async with write_transaction():
        # The status condition makes two reviewers deciding at once safe: the second one updates nothing.
        changed = await Response.update({Response.status: decision}).where(
            Response.id == response_id, Response.status == ResponseStatus.FLAGGED
        ).returning(Response.id)
        if not changed:
            raise AdminError(_("Response #%(id)s was already reviewed", id=response_id))
        await status_changed([response_id], ResponseStatus.FLAGGED, get_settings().timezone)
        await record("response.review", officer.username, target=f"response:{response_id}",
                     decision=decision, unit=row["unit.code"])
