"""Alert rules, their evaluation (by the worker, every few minutes), and acknowledging alerts.

Kinds, each with a default rule for all units that a unit's own rule overrides (the deepest rule on the unit's
path wins; recipients add up along the path, so a province's address hears of its communes):

- ``below_target``: the unit's composite index is *not met* in the last complete month (its one-sided upper
  bound is below the target), for each province and the units directly under it;
- ``ewma_drop``: the EWMA chart of a province's monthly index (baseline: its first three months) alarms in the
  last complete month;
- ``flagged_burst``: at least ``threshold`` (default 20) flagged responses at a unit in the last hour;
- ``overdue_comments``: at least ``threshold`` (default 1) open comments past their deadline at a unit.

An alert's key names its occurrence (kind, unit, month / hour / day), unique in the table: a condition that
lasts is raised once per month, hour or day, however many workers evaluate it. A new alert is mailed to the
recipients of the rules on its unit's path and published to webhooks (``alert.raised``), both through jobs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from survey.accounts.guards import CurrentOfficer
from survey.audit import record
from survey.core.periods import month_label, month_number, month_of
from survey.core.responses import ResponseStatus
from survey.core.units import path_ids
from survey.db.engine import write_transaction
from survey.db.tables import MAX_ROW_ID, Alert, AlertRule, FeedbackComment, Response, Unit
from survey.feedback.schemas import CLOSED
from survey.jobs import outbox

KINDS = ("below_target", "ewma_drop", "flagged_burst", "overdue_comments")
DEFAULT_THRESHOLDS = {"below_target": 1, "ewma_drop": 1, "flagged_burst": 20, "overdue_comments": 1}
KIND_NAMES = {
    "below_target": "Chỉ số dưới mục tiêu",
    "ewma_drop": "Chỉ số giảm bất thường (EWMA)",
    "flagged_burst": "Nhiều phiếu bị gắn cờ",
    "overdue_comments": "Góp ý quá hạn xử lý",
}
MAIL_JOB = "alerts.email"
ACK_LIMIT = 2000


class AlertError(ValueError):
    """An alert action that cannot be done (Vietnamese, then English)."""


# --- rules -------------------------------------------------------------------------------------------------

async def rules() -> list[dict[str, Any]]:
    return await AlertRule.select(AlertRule.id, AlertRule.unit.code.as_alias("unit_code"), AlertRule.kind,
                                  AlertRule.enabled, AlertRule.threshold, AlertRule.recipients).order_by(AlertRule.id)


async def set_rule(unit_code: str | None, kind: str, enabled: bool, threshold: int, recipients: list[str],
                   actor: str) -> None:
    if kind not in KINDS:
        raise AlertError(f"Loại cảnh báo không hợp lệ: {kind!r}. / Unknown alert kind.")
    if threshold < 1:
        raise AlertError("Ngưỡng phải từ 1. / The threshold must be at least 1.")
    bad = [r for r in recipients if "@" not in r or len(r) > 254]
    if bad:
        raise AlertError(f"Địa chỉ thư không hợp lệ: {', '.join(bad)}. / Invalid e-mail address.")
    unit_id = None
    if unit_code:
        unit = await Unit.select(Unit.id).where(Unit.code == unit_code).first()
        if unit is None:
            raise AlertError(f"Không có đơn vị {unit_code!r}. / No such unit.")
        unit_id = unit["id"]
    match = (AlertRule.unit == unit_id) if unit_id else AlertRule.unit.is_null()
    async with write_transaction():
        await AlertRule.delete().where(match, AlertRule.kind == kind)
        await AlertRule.insert(AlertRule(unit=unit_id, kind=kind, enabled=enabled, threshold=threshold,
                                         recipients="\n".join(recipients)))
        await record("alert.rule", actor=actor, target=unit_code or "*", kind=kind, enabled=enabled,
                     threshold=threshold)


async def rules_in_scope(officer: CurrentOfficer) -> list[dict[str, Any]]:
    """The defaults (all units) and the rules of units in the officer's scope, defaults first."""
    rows = await AlertRule.select(AlertRule.id, AlertRule.unit.code.as_alias("unit_code"),
                                  AlertRule.unit.path.as_alias("unit_path"), AlertRule.kind, AlertRule.enabled,
                                  AlertRule.threshold, AlertRule.recipients).order_by(AlertRule.id)
    seen = [r for r in rows if r["unit_code"] is None or officer.sees(r["unit_path"])]
    return sorted(seen, key=lambda r: (r["unit_code"] is not None, r["unit_code"] or "", KINDS.index(r["kind"])))


async def set_rule_as(officer: CurrentOfficer, unit_code: str, kind: str, enabled: bool, threshold: int,
                      recipients: list[str]) -> None:
    """``set_rule`` from the web page: the default of all units is a national administrator's; a unit's rule
    is set by the administrators and managers of that unit or one above it."""
    from survey.accounts.guards import authorize_unit

    if not unit_code and not officer.is_national_admin:
        raise AlertError("Chỉ quản trị viên toàn quốc đặt được quy tắc chung cho mọi đơn vị; hãy chọn một đơn vị. "
                         "/ Only a national administrator sets the rule of all units.")
    if unit_code:
        await authorize_unit(officer, unit_code)
    await set_rule(unit_code or None, kind, enabled, threshold, recipients, actor=officer.username)


def _ancestors(path: str) -> list[int]:
    return list(path_ids(path))


async def rule_for(kind: str, unit_path: str) -> tuple[bool, int, list[str]]:
    """(enabled, threshold, recipients) of ``kind`` for the unit with this path."""
    chain = _ancestors(unit_path)
    rows = await AlertRule.select().where(AlertRule.kind == kind)
    depth = {unit_id: n for n, unit_id in enumerate(chain)}
    applicable = [r for r in rows if r["unit"] is None or r["unit"] in depth]
    applicable.sort(key=lambda r: -1 if r["unit"] is None else depth[r["unit"]])
    enabled, threshold = True, DEFAULT_THRESHOLDS[kind]
    recipients: list[str] = []
    for row in applicable:  # default first, then down the path: the deepest decides
        enabled, threshold = row["enabled"], row["threshold"]
        recipients += [r for r in row["recipients"].splitlines() if r.strip()]
    return enabled, threshold, sorted(set(recipients))


# --- raising -----------------------------------------------------------------------------------------------

async def raise_alert(kind: str, unit_id: int, unit_path: str, key: str, title: str, detail: dict) -> int | None:
    """Store the alert unless its occurrence is already stored; queue its e-mail and webhook. Its id, or None."""
    from survey.webhooks.services import publish

    enabled, _threshold, recipients = await rule_for(kind, unit_path)
    if not enabled:
        return None
    async with write_transaction():
        rows = await Alert.insert(Alert(key=key, kind=kind, unit=unit_id, title=title, detail=detail)).on_conflict(
            target=Alert.key, action="DO NOTHING").returning(Alert.id)
        if not rows:
            return None
        alert_id = rows[0]["id"]
        if recipients:
            await outbox.enqueue(MAIL_JOB, {"alert": alert_id, "to": recipients}, key=f"{MAIL_JOB}:{alert_id}")
        await publish("alert.raised", {"alert": alert_id, "kind": kind, "title": title, "detail": detail})
    return alert_id


async def _units(ids: list[int]) -> dict[int, dict]:
    rows = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.path).where(Unit.id.is_in(ids or [0]))
    return {r["id"]: r for r in rows}


async def _per_unit(kind: str, unit_ids: list[int], when: str, title: str, field: str) -> list[int]:
    """Raise ``kind`` for each unit counted in ``unit_ids`` at least its rule's threshold times; ``title`` is
    formatted with the unit's name and the count, ``when`` names the occurrence (hour or day)."""
    counts: dict[int, int] = {}
    for unit_id in unit_ids:
        counts[unit_id] = counts.get(unit_id, 0) + 1
    units = await _units(list(counts))
    raised = []
    for unit_id, n in counts.items():
        unit = units[unit_id]
        _enabled, threshold, _to = await rule_for(kind, unit["path"])
        if n >= threshold:
            alert = await raise_alert(kind, unit_id, unit["path"], f"{kind}:{unit_id}:{when}",
                                      title.format(name=unit["name"], n=n), {field: n, "when": when})
            raised += [alert] if alert else []
    return raised


async def check_flagged_burst(now: datetime) -> list[int]:
    rows = await Response.select(Response.unit).where(Response.status == ResponseStatus.FLAGGED,
                                                     Response.received_at >= now - timedelta(hours=1))
    return await _per_unit("flagged_burst", [r["unit"] for r in rows], now.strftime("%Y-%m-%dT%H"),
                           "{name}: {n} phiếu bị gắn cờ trong một giờ qua", "flagged")


async def check_overdue_comments(now: datetime, tz: str) -> list[int]:
    today = now.astimezone(ZoneInfo(tz)).date().isoformat()
    rows = await FeedbackComment.select(FeedbackComment.unit).where(FeedbackComment.status.not_in(list(CLOSED)),
                                                                    FeedbackComment.due_on < today)
    return await _per_unit("overdue_comments", [r["unit"] for r in rows], today,
                           "{name}: {n} góp ý quá hạn xử lý", "overdue")


def ewma_alarm(values: list[float | None], ses: list[float | None], baseline: int = 3) -> bool:
    """Whether the EWMA chart (stats.trend) alarms at the last period; False with too short a series."""
    from stats.trend import ewma_chart

    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    s = np.array([np.nan if v is None else v for v in ses], dtype=float)
    usable = ~np.isnan(x[:baseline]) & (np.nan_to_num(s[:baseline]) > 0)
    if len(x) <= baseline or not usable.any() or np.isnan(x[-1]):
        return False
    s = np.where(np.isnan(s), 0.0, s)
    return bool(ewma_chart(x, s, baseline=baseline).alarm[-1])


async def check_reports(now: datetime, tz: str) -> list[int]:
    """below_target and ewma_drop from each province's report for the last complete month."""
    from survey.core.periods import parse_period
    from survey.reports.services import ReportRequest, build_report

    month = month_label(month_number(month_of(now, tz)) - 1)  # the month before
    roots = await Unit.select(Unit.id).where(Unit.parent.is_null())
    provinces = await Unit.select(Unit.id, Unit.code, Unit.name, Unit.path).where(
        Unit.parent.is_in([r["id"] for r in roots] or [0]), Unit.active.eq(True))
    raised = []
    for province in provinces:
        try:
            report = await build_report(ReportRequest(scope=province["code"], period=parse_period(month)), timezone=tz)
        except (LookupError, ValueError):  # no data, or a unit the report cannot scope: nothing to judge
            continue
        codes = {province["code"]: (report.composite_verdict.verdict, report.composite.value)}
        codes |= {row.code: (row.verdict.verdict, row.composite.value) for row in report.subunits}
        units = {u["code"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name, Unit.path).where(
            Unit.code.is_in(list(codes)))}
        for code, (verdict, value) in codes.items():
            if verdict == "not_met" and code in units:
                unit = units[code]
                alert = await raise_alert("below_target", unit["id"], unit["path"], f"below_target:{unit['id']}:{month}",
                                          f"{unit['name']}: chỉ số hài lòng tháng {month} chắc chắn dưới mục tiêu",
                                          {"month": month, "index": value, "target": report.target})
                raised += [alert] if alert else []
        trend = report.trend
        ses = [None if p.lower is None or p.upper is None else (p.upper - p.lower) / (2 * 1.96) for p in trend]
        if trend and trend[-1].period.startswith(month[:7]) and ewma_alarm([p.value for p in trend], ses):
            alert = await raise_alert("ewma_drop", province["id"], province["path"], f"ewma_drop:{province['id']}:{month}",
                                      f"{province['name']}: chỉ số tháng {month} giảm bất thường (biểu đồ EWMA)",
                                      {"month": month})
            raised += [alert] if alert else []
    return raised


async def evaluate(tz: str, now: datetime | None = None, reports: bool = True) -> list[int]:
    """Every rule once; the ids of the alerts raised by this pass."""
    now = now or datetime.now(UTC)
    raised = await check_flagged_burst(now) + await check_overdue_comments(now, tz)
    if reports:
        raised += await check_reports(now, tz)
    return raised


# --- reading and acknowledging ----------------------------------------------------------------------------

async def alerts_in_scope(officer: CurrentOfficer, open_only: bool = False, limit: int = 100) -> list[dict]:
    query = Alert.select(Alert.id, Alert.kind, Alert.title, Alert.raised_at, Alert.acknowledged_by,
                         Alert.acknowledged_at, Alert.ack_comment, Alert.unit.code.as_alias("unit_code")).where(
        Alert.unit.path.like(officer.unit_path + "%")).order_by(Alert.id, ascending=False).limit(limit)
    if open_only:
        query = query.where(Alert.acknowledged_at.is_null())
    return await query


async def acknowledge(officer: CurrentOfficer, alert_id: int, comment: str) -> None:
    comment = comment.strip()
    if not comment or len(comment) > ACK_LIMIT:
        raise AlertError("Cần ghi nhận xét (tối đa 2000 ký tự). / A comment (up to 2000 characters) is required.")
    row = None
    if 0 < alert_id <= MAX_ROW_ID:
        row = await Alert.select(Alert.id, Alert.acknowledged_at).where(
            Alert.id == alert_id, Alert.unit.path.like(officer.unit_path + "%")).first()
    if row is None:
        from litestar.exceptions import NotFoundException

        raise NotFoundException(f"Không có cảnh báo #{alert_id}. / No alert #{alert_id}.")
    if row["acknowledged_at"] is not None:
        raise AlertError("Cảnh báo đã được xác nhận. / Already acknowledged.")
    async with write_transaction():
        await Alert.update({Alert.acknowledged_by: officer.username, Alert.acknowledged_at: datetime.now(UTC),
                            Alert.ack_comment: comment}).where(Alert.id == alert_id)
        await record("alert.acknowledge", actor=officer.username, target=f"alert:{alert_id}")
