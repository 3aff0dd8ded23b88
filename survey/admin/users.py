"""Officer accounts as an administrator manages them.

An administrator attached to a unit (a provincial administrator) manages only accounts of that unit and
below, and can create no account wider than their own scope; one without a unit manages all.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException

from survey.accounts.guards import CurrentOfficer, authorize_unit
from survey.accounts.services import create_officer, list_officers, set_password
from survey.accounts.sessions import end_sessions_of
from survey.admin.errors import AdminError
from survey.audit import record
from survey.core.i18n import gettext as _
from survey.db.engine import write_transaction
from survey.db.tables import Officer


async def officers_in_scope(actor: CurrentOfficer) -> list[dict]:
    return [row for row in await list_officers() if actor.sees(row["unit_path"] or "/")]


async def authorize_officer(actor: CurrentOfficer, username: str) -> int:
    """The id of an account the actor may manage; 404 if unknown, 403 if wider than or outside their scope."""
    row = await Officer.select(Officer.id, Officer.unit.path).where(Officer.username == username).first()
    if row is None:
        raise NotFoundException(_("No officer %(name)r.", name=username))
    if not actor.sees(row["unit.path"] or "/"):
        raise PermissionDeniedException(_("This account is outside your scope."))
    return row["id"]


async def create_account(
    actor: CurrentOfficer, username: str, password: str, role: str, unit_code: str, full_name: str
) -> None:
    if unit_code:
        await authorize_unit(actor, unit_code)
    elif actor.unit_path != "/":
        raise AdminError(_("A new account must belong to a unit within your scope"))
    await create_officer(username, password, role, unit_code or None, full_name, actor=actor.username)


async def set_officer_active(actor: CurrentOfficer, username: str, active: bool) -> None:
    target = await authorize_officer(actor, username)
    if target == actor.id and not active:
        raise AdminError(_("You cannot close the account you are using"))
    async with write_transaction():
        await Officer.update({Officer.active: active}).where(Officer.id == target)
        if not active:
            # Ended, not only refused while inactive: a reactivated account must log in again.
            await end_sessions_of(target)
        await record("officer.activate" if active else "officer.deactivate", actor.username, target=username)


async def reset_password(actor: CurrentOfficer, username: str, password: str) -> None:
    await authorize_officer(actor, username)
    await set_password(username, password, actor.username)
