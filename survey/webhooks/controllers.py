"""/officer/admin/webhooks: configure receivers, send a test event, read each one's delivery log.

National administrators only: a webhook receives events of every province, and its secret is shown here.
"""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import OfficerDependency, require_roles
from survey.accounts.services import Role
from survey.jobs.controllers import national_admin
from survey.params import RowId
from survey.webhooks import services
from survey.webhooks.schemas import EVENT_TYPES, WebhookForm

EVENT_LABELS = {
    "webhook.test": "Thử nghiệm",
    "alert.raised": "Cảnh báo mới",
    "comment.received": "Góp ý mới",
    "comment.answered": "Góp ý đã trả lời",
}


class WebhooksController(Controller):
    path = "/officer/admin/webhooks"
    guards = [require_roles(Role.ADMIN)]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency) -> Template:
        national_admin(officer)
        return Template("officer/admin/webhooks.html", context={
            "webhooks": await services.webhooks(), "event_types": EVENT_TYPES, "labels": EVENT_LABELS})

    @post("/")
    async def create(self, request: Request, officer: OfficerDependency) -> Redirect:
        national_admin(officer)
        form = await request.form()
        fields = WebhookForm(name=str(form.get("name", "")), url=str(form.get("url", "")),
                             events=[str(value) for value in form.getall("events", [])])
        try:
            webhook_id = await services.create_webhook(fields, actor=officer.username)
        except services.WebhookError as exc:
            flash(request, str(exc), "error")
            return Redirect("/officer/admin/webhooks", status_code=303)
        flash(request, "Đã thêm webhook. Hãy bấm «Gửi thử» để kiểm tra bên nhận.")
        return Redirect(f"/officer/admin/webhooks/{webhook_id}", status_code=303)

    @get("/{webhook_id:int}")
    async def detail(self, officer: OfficerDependency, webhook_id: RowId) -> Template:
        national_admin(officer)
        hook = await services.webhook(webhook_id)
        if hook is None:
            raise NotFoundException(f"Không có webhook #{webhook_id}. / No webhook #{webhook_id}.")
        return Template("officer/admin/webhook.html", context={
            "hook": hook, "deliveries": await services.deliveries(webhook_id), "labels": EVENT_LABELS})

    @post("/{webhook_id:int}/test")
    async def test(self, request: Request, officer: OfficerDependency, webhook_id: RowId) -> Redirect:
        national_admin(officer)
        try:
            event = await services.send_test(webhook_id, actor=officer.username)
        except services.WebhookError as exc:
            raise NotFoundException(str(exc)) from None
        flash(request, f"Đã xếp sự kiện thử {event.id} vào hàng đợi; kết quả hiện trong nhật ký gửi bên dưới.")
        return Redirect(f"/officer/admin/webhooks/{webhook_id}", status_code=303)

    @post("/{webhook_id:int}/active")
    async def active(self, request: Request, officer: OfficerDependency, webhook_id: RowId) -> Redirect:
        national_admin(officer)
        value = str((await request.form()).get("active", ""))
        if value not in ("0", "1"):
            raise ClientException("active phải là 0 hoặc 1. / active must be 0 or 1.")
        try:
            await services.set_active(webhook_id, value == "1", actor=officer.username)
        except services.WebhookError as exc:
            raise NotFoundException(str(exc)) from None
        flash(request, "Đã bật webhook." if value == "1" else "Đã tắt webhook.")
        return Redirect(f"/officer/admin/webhooks/{webhook_id}", status_code=303)
