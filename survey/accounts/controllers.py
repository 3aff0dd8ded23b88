"""Login, logout and the officer home page."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from survey.accounts.flash import flash
from survey.accounts.guards import (
    SESSION_OFFICER,
    SESSION_PASSWORD,
    OfficerDependency,
    load_officer,
    officer_required,
    password_tag,
)
from survey.accounts.passwords import hash_password, hash_password_async, needs_rehash, verify_password_async
from survey.accounts.services import AccountError, mail_settings, set_mail_settings
from survey.accounts.sessions import start_session
from survey.accounts.throttle import LoginThrottle
from survey.audit import record
from survey.core.i18n import N_, gettext
from survey.db.engine import write_transaction
from survey.db.tables import Officer

LOGIN_FAILED = N_("Wrong user name or password.")
# Verifying against a real hash when the user does not exist keeps both failures equally slow.
_UNKNOWN_USER_HASH = hash_password("no-such-officer-placeholder")


def safe_next(target: str | None) -> str:
    """Only a local officer path may follow login: an open redirect would make phishing links look genuine."""
    if target and target.startswith("/officer") and "//" not in target and "\\" not in target:
        return target
    return "/officer"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_page(request: Request, error: str = "", status: int = 200, headers: dict | None = None) -> Template:
    return Template(
        "officer/login.html",
        context={"error": error, "next": safe_next(request.query_params.get("next"))},
        status_code=status,
        headers=headers,
    )


class LoginController(Controller):
    tags = ["officer"]
    include_in_schema = False

    @get("/login")
    async def form(self, request: Request) -> Template | Redirect:
        if await load_officer(request):
            return Redirect(safe_next(request.query_params.get("next")), status_code=303)
        return login_page(request)

    @post("/login", status_code=303)
    async def submit(self, request: Request) -> Template | Redirect:
        form = await request.form()
        username = str(form.get("username", "")).strip().lower()[:64]
        password = str(form.get("password", ""))[:1024]
        throttle: LoginThrottle = request.app.state["login_throttle"]
        ip = client_ip(request)
        # Counted before the password is checked: simultaneous guesses cannot all slip under the limit.
        wait = await throttle.admit(username, ip)
        if wait:
            message = gettext("Too many failed logins; try again in %(seconds)s seconds.", seconds=wait)
            return login_page(request, message, 429, {"Retry-After": str(wait)})
        officer = await Officer.select().where(Officer.username == username, Officer.active.eq(True)).first()
        ok = await verify_password_async(officer["password_hash"] if officer else _UNKNOWN_USER_HASH, password)
        if not (officer and ok):
            async with write_transaction():
                await record("login.failure", "anonymous", target=username if officer else "(unknown)")
            return login_page(request, gettext(LOGIN_FAILED), 401)
        stored_hash = officer["password_hash"]
        if needs_rehash(stored_hash):
            stored_hash = await hash_password_async(password)
        async with write_transaction():
            if stored_hash != officer["password_hash"]:
                await Officer.update({Officer.password_hash: stored_hash}).where(Officer.id == officer["id"])
            await record("login.success", username, target=username)
        await throttle.succeeded(username, ip)
        start_session(request, {SESSION_OFFICER: officer["id"], SESSION_PASSWORD: password_tag(stored_hash)})
        return Redirect(safe_next(str(form.get("next", ""))), status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request) -> Redirect:
        officer = await load_officer(request)
        if officer:
            async with write_transaction():
                await record("logout", officer.username, target=officer.username)
        request.clear_session()
        return Redirect("/login", status_code=303)


class OfficerHomeController(Controller):
    path = "/officer"
    guards = [officer_required]
    include_in_schema = False

    @get("/")
    async def home(self, officer: OfficerDependency) -> Template:
        return Template("officer/home.html", context={"officer": officer})

    @get("/account")
    async def account(self, officer: OfficerDependency) -> Template:
        """The officer's own e-mail address and digest choice (the opt-out)."""
        return Template("officer/account.html", context={"officer": officer,
                                                         "mail": await mail_settings(officer.id)})

    @post("/account")
    async def save_account(self, request: Request, officer: OfficerDependency) -> Redirect:
        form = await request.form()
        try:
            await set_mail_settings(officer.id, officer.username, str(form.get("email", "")),
                                    form.get("digests") == "1", actor=officer.username)
        except AccountError as exc:
            flash(request, str(exc), "error")
        else:
            flash(request, "Đã lưu. / Saved.")
        return Redirect("/officer/account", status_code=303)
