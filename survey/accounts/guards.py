"""Who is asking, and what they may see: the access API every officer-facing area uses.

Stable API::

    from survey.accounts.guards import (
        CurrentOfficer, officer_required, require_roles, authorize_unit, in_scope, LoginRequired,
    )

- ``CurrentOfficer``: the logged-in officer (id, username, full_name, role, unit_id, unit_code, unit_path).
  ``unit_path`` is the materialised path of the officer's unit ("/" for an officer without a unit, i.e.
  an administrator or researcher of the whole country); the officer may see that unit and everything below.
- ``officer``: an application-wide dependency. Declare ``officer: OfficerDependency`` in a handler
  signature to receive the ``CurrentOfficer``; anonymous visitors get a redirect to /login (pages) or 401 JSON (/api/ paths).
- ``officer_required``: a guard admitting any logged-in officer.
- ``require_roles("admin", "manager")``: a guard admitting only those roles (anonymous: as above; other
  roles: 403). Put it on a controller (``guards = [require_roles(...)]``) or a handler.
- ``await authorize_unit(officer, unit_code)``: the unit row (dict of all Unit columns) if it is the
  officer's unit or below it; 404 if no unit has that code, 403 if it is outside the officer's scope.
  Every endpoint taking a unit from the URL, query or form calls it, so an id typed into a URL never
  reaches another province's data. ``authorize_unit_id`` does the same for a unit id.
- ``in_scope(officer, path)``: whether a unit path is inside the officer's scope, for rows already loaded;
  list queries filter with ``Unit.path.like(officer.unit_path + "%")`` (or the joined column).

Sessions are checked on every request against the database: deactivating an officer or changing their
password ends their sessions at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect

from survey.accounts.services import Role
from survey.core.i18n import gettext as _
from survey.db.tables import Officer, Unit
from survey.errors import error_response, wants_json

SESSION_OFFICER = "officer_id"
SESSION_PASSWORD = "password_tag"
_STATE_KEY = "officer"


@dataclass(frozen=True)
class CurrentOfficer:
    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None
    unit_code: str | None
    unit_path: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_national_admin(self) -> bool:
        """An administrator of no particular unit: the only one who may act outside a subtree (root units,
        every officer's exports, the audit log). An administrator attached to a unit is confined to it."""
        return self.is_admin and self.unit_path == "/"

    def sees(self, unit_path: str) -> bool:
        return unit_path.startswith(self.unit_path)


# The handler parameter type: ``async def page(officer: OfficerDependency)``.
OfficerDependency = NamedDependency[CurrentOfficer]


class LoginRequired(NotAuthorizedException):
    """No officer is logged in: pages redirect to the login form, API paths answer 401."""


def password_tag(password_hash: str) -> str:
    """A short fingerprint of the stored hash, kept in the session so a password change ends old sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


async def load_officer(connection: ASGIConnection) -> CurrentOfficer | None:
    """The officer of this session, or None; looked up once per request."""
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if _STATE_KEY in state:
        return state[_STATE_KEY]
    officer = None
    session = connection.scope.get("session") or {}
    officer_id = session.get(SESSION_OFFICER) if isinstance(session, dict) else None
    if isinstance(officer_id, int):
        row = await (
            Officer.select(
                Officer.id, Officer.username, Officer.full_name, Officer.role, Officer.password_hash,
                Officer.unit, Officer.unit.code, Officer.unit.path,
            )
            .where(Officer.id == officer_id, Officer.active.eq(True))
            .first()
        )
        if row and session.get(SESSION_PASSWORD) == password_tag(row["password_hash"]):
            officer = CurrentOfficer(
                id=row["id"], username=row["username"], full_name=row["full_name"], role=row["role"],
                unit_id=row["unit"], unit_code=row["unit.code"], unit_path=row["unit.path"] or "/",
            )
    state[_STATE_KEY] = officer
    return officer


async def officer_required(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if await load_officer(connection) is None:
        raise LoginRequired(_("Please log in."))


def require_roles(*roles: str | Role) -> Callable[[ASGIConnection, BaseRouteHandler], Any]:
    allowed = frozenset(Role(r).value for r in roles)

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        officer = await load_officer(connection)
        if officer is None:
            raise LoginRequired(_("Please log in."))
        if officer.role not in allowed:
            raise PermissionDeniedException(_("Your role does not allow this."))

    return guard


async def provide_officer(request: Request) -> CurrentOfficer:
    officer = await load_officer(request)
    if officer is None:
        raise LoginRequired(_("Please log in."))
    return officer


def in_scope(officer: CurrentOfficer, unit_path: str) -> bool:
    return officer.sees(unit_path)


async def _authorized(officer: CurrentOfficer, condition: Any, label: str) -> dict:
    unit = await Unit.select().where(condition).first()
    if unit is None:
        raise NotFoundException(_("No unit %(unit)s.", unit=label))
    if not officer.sees(unit["path"]):
        raise PermissionDeniedException(
            f"Đơn vị {label} nằm ngoài phạm vi của bạn. / Unit {label} is outside your scope."
        )
    return unit


async def authorize_unit(officer: CurrentOfficer, unit_code: str) -> dict:
    return await _authorized(officer, Unit.code == unit_code, repr(unit_code))


async def authorize_unit_id(officer: CurrentOfficer, unit_id: int) -> dict:
    return await _authorized(officer, Unit.id == unit_id, f"#{unit_id}")


def handle_login_required(request: Request, exc: LoginRequired) -> Response:
    if wants_json(request):
        return error_response(request, exc.status_code, exc.detail)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target, safe='')}", status_code=303)
