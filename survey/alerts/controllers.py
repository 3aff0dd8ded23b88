"""/officer/alerts: the alerts of the officer's units, newest first, each acknowledged with a comment."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import OfficerDependency, require_roles
from survey.accounts.services import Role
from survey.alerts import services


class AlertsController(Controller):
    path = "/officer/alerts"
    guards = [require_roles(Role.ADMIN, Role.MANAGER)]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency) -> Template:
        return Template("alerts/index.html", context={"alerts": await services.alerts_in_scope(officer),
                                                      "kinds": services.KIND_NAMES})

    @get("/rules")
    async def rules(self, officer: OfficerDependency) -> Template:
        """The alert rules an officer may read and set: the defaults of all units and their own units'."""
        return Template("alerts/rules.html", context={
            "rules": await services.rules_in_scope(officer), "kinds": services.KIND_NAMES,
            "defaults": services.DEFAULT_THRESHOLDS, "officer": officer})

    @post("/rules")
    async def save_rule(self, request: Request, officer: OfficerDependency) -> Redirect:
        form = await request.form()
        threshold = str(form.get("threshold", "")).strip()
        recipients = [r.strip() for r in str(form.get("recipients", "")).replace(",", "\n").splitlines() if r.strip()]
        try:
            if not threshold.isdigit():
                raise services.AlertError("Ngưỡng phải là số nguyên từ 1. / The threshold must be a whole number.")
            await services.set_rule_as(officer, str(form.get("unit", "")).strip(), str(form.get("kind", "")),
                                       form.get("enabled") == "1", int(threshold), recipients)
        except services.AlertError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, "Đã lưu quy tắc cảnh báo. / Rule saved.")
        return Redirect("/officer/alerts/rules", status_code=303)

    @post("/{alert_id:int}/ack")
    async def acknowledge(self, request: Request, officer: OfficerDependency, alert_id: FromPath[int]) -> Redirect:
        comment = str((await request.form()).get("comment", ""))
        try:
            await services.acknowledge(officer, alert_id, comment)
        except services.AlertError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, f"Đã xác nhận cảnh báo #{alert_id}.")
        return Redirect("/officer/alerts", status_code=303)
