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
