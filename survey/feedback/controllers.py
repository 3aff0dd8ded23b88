"""/officer/feedback: the inbox of citizens' comments for managers (their unit and everything below it),
a comment's page with its handling and labels, and the keyword lexicon (national administrators)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import OfficerDependency, require_roles
from survey.accounts.services import Role
from survey.audit import record
from survey.feedback import contacts, lexicon, services
from survey.feedback.schemas import STATUS_NAMES, STATUSES, Handling, InboxFilter
from survey.jobs.controllers import national_admin
from survey.params import Page

MANAGERS = require_roles(Role.ADMIN, Role.MANAGER)


def _tz(request: Request) -> str:
    return request.app.state["settings"].timezone


def _names() -> dict:
    return {"elements": lexicon.ELEMENT_NAMES, "statuses": STATUS_NAMES, "element_keys": lexicon.ELEMENTS,
            "status_keys": STATUSES}


class FeedbackController(Controller):
    path = "/officer/feedback"
    include_in_schema = False

    @get("/", guards=[MANAGERS])
    async def index(self, request: Request, officer: OfficerDependency, unit: FromQuery[str] = "",
                    period: FromQuery[str] = "", element: FromQuery[str] = "", status: FromQuery[str] = "",
                    words: FromQuery[str] = "", overdue: FromQuery[bool] = False,
                    page: Page = 1) -> Template:
        filters = InboxFilter(unit=unit.strip(), period=period.strip(), element=element, status=status,
                              words=words.strip(), overdue=overdue, page=page)
        try:
            comments, more = await services.inbox(officer, filters, _tz(request))
        except services.FeedbackError as exc:
            raise ClientException(str(exc)) from None
        return Template("feedback/inbox.html", context={"comments": comments, "more": more, "f": filters,
                                                        **_names()})

    @get("/{comment_id:int}", guards=[MANAGERS])
    async def detail(self, request: Request, officer: OfficerDependency, comment_id: FromPath[int]) -> Template:
        item = await services.comment(officer, comment_id, _tz(request))
        compiled = lexicon.compile_lexicon(await services.current_lexicon())
        contact = await contacts.contact_for_comment(comment_id, request.app.state["settings"].secret_key)
        if contact:
            await record("feedback.contact.view", actor=officer.username, target=f"comment:{comment_id}")
        return Template("feedback/comment.html", context={"c": item, "why": lexicon.matches(item.text, compiled),
                                                          "contact": contact, **_names()})

    @post("/{comment_id:int}/handle", guards=[MANAGERS])
    async def handle(self, request: Request, officer: OfficerDependency, comment_id: FromPath[int]) -> Redirect:
        form = await request.form()
        step = Handling(status=str(form.get("status", "")), reply=str(form.get("reply", "")))
        try:
            await services.handle(officer, comment_id, step, _tz(request))
        except services.FeedbackError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, f"Đã cập nhật: {STATUS_NAMES[step.status]}.")
        return Redirect(f"/officer/feedback/{comment_id}", status_code=303)

    @post("/{comment_id:int}/labels", guards=[MANAGERS])
    async def labels(self, request: Request, officer: OfficerDependency, comment_id: FromPath[int]) -> Redirect:
        form = await request.form()
        try:
            await services.relabel(officer, comment_id, [str(v) for v in form.getall("elements", [])], _tz(request))
        except services.FeedbackError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, "Đã lưu tiêu chí của góp ý.")
        return Redirect(f"/officer/feedback/{comment_id}", status_code=303)

    @get("/lexicon", guards=[require_roles(Role.ADMIN)])
    async def lexicon_page(self, officer: OfficerDependency) -> Template:
        national_admin(officer)
        return Template("feedback/lexicon.html", context={"lexicon": await services.current_lexicon(), **_names()})

    @post("/lexicon", guards=[require_roles(Role.ADMIN)])
    async def save_lexicon(self, request: Request, officer: OfficerDependency) -> Redirect:
        national_admin(officer)
        form = await request.form()
        keywords = {e: str(form.get(e, "")).splitlines() for e in lexicon.ELEMENTS}
        try:
            await services.save_lexicon(keywords, actor=officer.username)
        except services.FeedbackError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, "Đã lưu từ điển; các góp ý mới sẽ được phân loại theo từ điển này.")
        return Redirect("/officer/feedback/lexicon", status_code=303)
