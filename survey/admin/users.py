"""Officer accounts as the administrator manages them."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from survey.accounts.guards import CurrentOfficer
from survey.accounts.services import set_password
from survey.admin.errors import AdminError
from survey.audit import record
from survey.db.engine import write_transaction
from survey.db.tables import Officer


async def officer_id(username: str) -> int:
    row = await Officer.select(Officer.id).where(Officer.username == username).first()
    if row is None:
        raise NotFoundException(f"Không có tài khoản {username!r}. / No officer {username!r}.")
    return row["id"]


async def set_officer_active(actor: CurrentOfficer, username: str, active: bool) -> None:
    target = await officer_id(username)
    if target == actor.id and not active:
        raise AdminError("Không thể tự khoá tài khoản đang dùng")
    async with write_transaction():
        await Officer.update({Officer.active: active}).where(Officer.id == target)
        await record("officer.activate" if active else "officer.deactivate", actor.username, target=username)


async def reset_password(actor: CurrentOfficer, username: str, password: str) -> None:
    await officer_id(username)  # an unknown name in the URL is a 404, not a message
    await set_password(username, password, actor.username)
