"""Back-office pages under /officer/admin and the review queue under /officer/review.

Administrators change everything; managers see their own subtree's units and counters read-only and
review flagged responses of their units. Every unit, counter or response named in a URL or form goes
through a scope check, whatever the role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import OfficerDependency, authorize_unit, require_roles
from survey.accounts.services import AccountError, Role
from survey.admin.audit_log import audit_actions, audit_entries
from survey.admin.closing import counter_closing, unit_closing
from survey.admin.counters import (
    counters_in_scope,
    create_counter,
    instrument_keys,
    set_counter_active,
    set_counter_instrument,
    set_counter_presence,
)
from survey.admin.errors import AdminError
from survey.admin.review import QUEUE_LIMIT, flagged_responses, grouped, review_response
from survey.admin.units import create_unit, rename_unit, set_letterhead, set_unit_active, unit_letterhead, unit_tree
from survey.admin.users import create_account, officers_in_scope, reset_password, set_officer_active
from survey.admin.volumes import recent_volumes, upload_volumes
from survey.core.i18n import gettext as _
from survey.core.search import paginate
from survey.params import Page
from survey.reports.formatting import Formatter

UPLOAD_LIMIT = 10 * 1024 * 1024
ADMIN = require_roles(Role.ADMIN)
ADMIN_OR_MANAGER = require_roles(Role.ADMIN, Role.MANAGER)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def act(request: Request, back: str, change: Awaitable[None], done: str) -> Redirect:
    """Apply a change; a refused one comes back as an error message on the page the form was on."""
    try:
        await change
    except (AdminError, AccountError) as exc:
        flash(request, str(exc), "error")
    else:
        flash(request, done)
    return Redirect(back, status_code=303)


async def unconfirmed_close(request: Request, impact: Awaitable[dict]) -> Redirect | None:
    """A close that did not come from the confirmation page goes there first (after the scope check that
    ``impact`` makes); reopening and confirmed closes go through."""
    fields = await form_fields(request)
    if fields.get("active") != "0" or fields.get("confirm") == "1":
        impact.close()
        return None
    closing = await impact
    return Redirect(closing["action"].removesuffix("/active") + "/close", status_code=303)


async def switch(
    request: Request, back: str, change: Callable[[bool], Awaitable[None]], done: tuple[str, str]
) -> Redirect:
    """Apply an activate/deactivate form (``active`` = 1 or 0); ``done`` is the (activated, deactivated) message."""
    value = (await form_fields(request)).get("active", "")
    if value not in ("0", "1"):
        raise ClientException(_("active must be 0 or 1"))
    on = value == "1"
    return await act(request, back, change(on), done[0] if on else done[1])


class UnitsController(Controller):
    path = "/officer/admin/units"
    include_in_schema = False

    @get("/", guards=[ADMIN_OR_MANAGER])
    async def index(self, officer: OfficerDependency, q: FromQuery[str] = "", page: FromQuery[int] = 1) -> Template:
        """The unit tree a page at a time, searchable by code or name (with or without diacritics); a match
        keeps its place and indentation in the tree."""
        units = paginate(await unit_tree(officer), q, page, lambda unit: (unit["code"], unit["name"]))
        return Template("officer/admin/units.html", context={"units": units, "officer": officer})

    @post("/", guards=[ADMIN])
    async def create(self, request: Request, officer: OfficerDependency) -> Redirect:
        f = await form_fields(request)
        change = create_unit(officer, f.get("code", ""), f.get("name", ""), f.get("level", ""), f.get("parent_code", ""))
        return await act(request, self.path, change, _("Unit created."))

    @post("/{code:str}/rename", guards=[ADMIN])
    async def rename(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        f = await form_fields(request)
        return await act(request, self.path, rename_unit(officer, code, f.get("name", "")), _("Unit renamed."))

    @post("/{code:str}/active", guards=[ADMIN])
    async def active(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        if unconfirmed := await unconfirmed_close(request, unit_closing(officer, code)):
            return unconfirmed
        change = partial(set_unit_active, officer, code)
        return await switch(request, self.path, change, (_("Unit reopened."), _("Unit closed.")))

    @get("/{code:str}/close", guards=[ADMIN])
    async def confirm_close(self, officer: OfficerDependency, code: FromPath[str]) -> Template:
        """How many units and counters closing this unit stops, and the one button that does it."""
        return Template("officer/admin/close.html", context=await unit_closing(officer, code))

    @get("/{code:str}/letterhead", guards=[ADMIN])
    async def letterhead(self, officer: OfficerDependency, code: FromPath[str]) -> Template:
        """The issuing body's names on the unit's PDF and Word reports."""
        return Template("officer/admin/letterhead.html", context=await unit_letterhead(officer, code))

    @post("/{code:str}/letterhead", guards=[ADMIN])
    async def save_letterhead(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        change = set_letterhead(officer, code, await form_fields(request))
        return await act(request, f"{self.path}/{code}/letterhead", change, _("Letterhead saved."))


class CountersController(Controller):
    path = "/officer/admin/counters"
    include_in_schema = False

    @get("/", guards=[ADMIN_OR_MANAGER])
    async def index(
        self, officer: OfficerDependency, unit: FromQuery[str] = "", q: FromQuery[str] = "", page: FromQuery[int] = 1
    ) -> Template:
        """Counters a page at a time, of one unit's subtree or the whole scope, searchable by the counter's or
        its unit's code or name."""
        unit_row = await authorize_unit(officer, unit) if unit else None
        counters = paginate(await counters_in_scope(officer, unit_row["path"] if unit_row else None), q, page,
                            lambda c: (c["code"], c["name"], c["unit_code"], c["unit_name"]),
                            {"unit": unit_row["code"] if unit_row else ""})
        return Template("officer/admin/counters.html", context={
            "counters": counters, "unit": unit_row, "officer": officer, "instruments": instrument_keys(),
        })

    @post("/", guards=[ADMIN])
    async def create(self, request: Request, officer: OfficerDependency) -> Redirect:
        f = await form_fields(request)
        change = create_counter(officer, f.get("code", ""), f.get("name", ""), f.get("unit_code", ""),
                                f.get("instrument_key", ""))
        return await act(request, self.path, change, _("Counter created."))

    @post("/{code:str}/instrument", guards=[ADMIN])
    async def instrument(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        key = (await form_fields(request)).get("instrument_key", "")
        return await act(request, self.path, set_counter_instrument(officer, code, key), _("Counter questionnaire changed."))

    @post("/{code:str}/active", guards=[ADMIN])
    async def active(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        if unconfirmed := await unconfirmed_close(request, counter_closing(officer, code)):
            return unconfirmed
        change = partial(set_counter_active, officer, code)
        return await switch(request, self.path, change, (_("Counter reopened."), _("Counter closed.")))

    @get("/{code:str}/close", guards=[ADMIN])
    async def confirm_close(self, officer: OfficerDependency, code: FromPath[str]) -> Template:
        return Template("officer/admin/close.html", context=await counter_closing(officer, code))

    @post("/{code:str}/presence", guards=[ADMIN])
    async def presence(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        """Require (``active`` = 1) or stop requiring (0) the code on the counter's screen."""
        change = partial(set_counter_presence, officer, code)
        return await switch(request, self.path, change, ("Quầy yêu cầu mã trên màn hình", "Quầy không yêu cầu mã trên màn hình"))


class UsersController(Controller):
    path = "/officer/admin/users"
    guards = [ADMIN]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency) -> Template:
        return Template("officer/admin/users.html", context={
            "users": await officers_in_scope(officer), "roles": [r.value for r in Role], "officer": officer,
        })

    @post("/")
    async def create(self, request: Request, officer: OfficerDependency) -> Redirect:
        f = await form_fields(request)
        change = create_account(officer, f.get("username", "").strip(), f.get("password", ""), f.get("role", ""),
                                f.get("unit_code", "").strip(), f.get("full_name", "").strip())
        return await act(request, self.path, change, _("Account created."))

    @post("/{username:str}/active")
    async def active(self, request: Request, officer: OfficerDependency, username: FromPath[str]) -> Redirect:
        change = partial(set_officer_active, officer, username)
        return await switch(request, self.path, change, (_("Account unlocked."), _("Account locked.")))

    @post("/{username:str}/password")
    async def password(self, request: Request, officer: OfficerDependency, username: FromPath[str]) -> Redirect:
        new = (await form_fields(request)).get("password", "")
        return await act(request, self.path, reset_password(officer, username, new), _("Password reset."))


class VolumesController(Controller):
    path = "/officer/admin/volumes"
    guards = [ADMIN]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency) -> Template:
        return Template("officer/admin/volumes.html", context={"volumes": await recent_volumes(officer), "errors": []})

    @post("/", request_max_body_size=UPLOAD_LIMIT)
    async def upload(self, request: Request, officer: OfficerDependency) -> Template | Redirect:
        form = await request.form()
        upload = form.get("file")
        text = await upload.read() if isinstance(upload, UploadFile) else str(form.get("csv", "")).encode()
        summary, errors = await upload_volumes(text, officer)
        if errors:
            return Template("officer/admin/volumes.html", status_code=400,
                            context={"volumes": await recent_volumes(officer), "errors": errors})
        flash(request, _("Dossier volumes imported: %(created)s new, %(updated)s updated",
                               created=summary.created, updated=summary.updated))
        return Redirect(self.path, status_code=303)


class AuditController(Controller):
    path = "/officer/admin/audit"
    guards = [ADMIN]
    include_in_schema = False

    @get("/")
    async def index(self, officer: OfficerDependency, action: FromQuery[str] = "", actor: FromQuery[str] = "",
                    page: Page = 1, since: FromQuery[date | None] = None,
                    until: FromQuery[date | None] = None) -> Template:
        if officer.unit_path != "/":
            # The log names accounts and units of every province: only national administrators read it.
            raise PermissionDeniedException(_("Only national administrators can read the audit log."))
        try:
            entries, more = await audit_entries(action, actor, page, since, until)
        except ValueError as refused:
            raise ClientException(str(refused)) from None
        return Template("officer/admin/audit.html", context={
            "entries": entries, "more": more, "page": page, "action": action, "actor": actor,
            "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
            "actions": await audit_actions(),
        })


class ReviewController(Controller):
    path = "/officer/review"
    guards = [ADMIN_OR_MANAGER]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request, officer: OfficerDependency) -> Template:
        settings = request.app.state["settings"]
        rows = await flagged_responses(officer)
        groups = grouped(rows, officer, Formatter(settings.language, settings.timezone), settings.review_by)
        return Template("officer/review.html", context={
            "groups": groups, "total": len(rows), "limit": QUEUE_LIMIT, "rule": settings.review_by})

    @post("/{response_id:int}")
    async def decide(self, request: Request, officer: OfficerDependency, response_id: FromPath[int]) -> Redirect:
        decision = (await form_fields(request)).get("decision", "")
        done = _("Decision recorded for response #%(id)s", id=response_id)
        change = review_response(officer, response_id, decision, request.app.state["settings"].review_by)
        return await act(request, self.path, change, done)


ADMIN_ROUTES = [UnitsController, CountersController, UsersController, VolumesController, AuditController, ReviewController]
