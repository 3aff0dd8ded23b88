"""Officer accounts."""

from __future__ import annotations

import re
from enum import StrEnum

from survey.accounts.passwords import hash_password_async
from survey.audit import record
from survey.core.i18n import gettext as _
from survey.db.engine import write_transaction
from survey.db.tables import Officer, Unit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    RESEARCHER = "researcher"


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


async def create_officer(
    username: str, password: str, role: str, unit_code: str | None = None, full_name: str = "", actor: str = "system"
) -> int:
    """Create an officer; managers need a unit (their scope), administrators see everything."""
    if not USERNAME.match(username):
        raise AccountError(_("username must be 3-64 lower-case letters, digits, '.', '_' or '-'"))
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(_("role must be one of %(roles)s", roles=", ".join(r.value for r in Role))) from None
    try:
        password_hash = await hash_password_async(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if role == Role.MANAGER and not unit_code:
        raise AccountError(_("a unit manager needs --unit: the unit whose reports they may read"))
    async with write_transaction():
        unit_id = None
        if unit_code:
            unit = await Unit.select(Unit.id).where(Unit.code == unit_code).first()
            if unit is None:
                raise AccountError(_("unknown unit %(code)r", code=unit_code))
            unit_id = unit["id"]
        if await Officer.exists().where(Officer.username == username):
            raise AccountError(_("username %(name)r is taken", name=username))
        rows = await Officer.insert(
            Officer(username=username, password_hash=password_hash, role=role, unit=unit_id, full_name=full_name)
        )
        await record("officer.create", actor, target=username, role=role, unit=unit_code)
    return rows[0]["id"]


async def set_password(username: str, password: str, actor: str = "system") -> None:
    """Replace an officer's password; their open sessions end, since they carry the old hash's fingerprint."""
    try:
        password_hash = await hash_password_async(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    async with write_transaction():
        changed = await Officer.update({Officer.password_hash: password_hash}).where(
            Officer.username == username
        ).returning(Officer.id)
        if not changed:
            raise AccountError(_("no officer named %(name)r", name=username))
        await record("officer.password_reset", actor, target=username)


async def list_officers() -> list[dict]:
    return await (
        Officer.select(
            Officer.id, Officer.username, Officer.full_name, Officer.role, Officer.active, Officer.created_at,
            Officer.unit.code.as_alias("unit_code"), Officer.unit.path.as_alias("unit_path"),
        ).order_by(Officer.username)
    )


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def mail_settings(officer_id: int) -> dict:
    """The officer's e-mail address and whether they receive the weekly and monthly digests."""
    row = await Officer.select(Officer.email, Officer.digests).where(Officer._meta.primary_key == officer_id).first()
    return row or {"email": "", "digests": False}


async def set_mail_settings(officer_id: int, username: str, email: str, digests: bool, actor: str) -> None:
    """Save the address digests go to, and the opt-out (``digests`` False), for one's own account or, by an
    administrator, for an account in their scope (the caller checks the scope)."""
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise AccountError(f"Địa chỉ thư không hợp lệ: {email!r}. / Invalid e-mail address.")
    async with write_transaction():
        await Officer.update({Officer.email: email, Officer.digests: digests}).where(
            Officer._meta.primary_key == officer_id)
        await record("account.mail", actor=actor, target=username, digests=digests, email_set=bool(email))
