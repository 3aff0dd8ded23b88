"""Officer accounts: creation with role and unit, locking, password reset ending old sessions."""

from __future__ import annotations

from survey.db.tables import AuditLog, Officer
from tests.accounts.fixtures import HTML, app_client, login, post_form


async def test_admin_creates_a_manager_who_can_then_log_in(client):
    await login(client, "admin")
    response = await post_form(client, "/officer/admin/users", {
        "username": "lcdeputy", "full_name": "Phó Lào Cai", "role": "manager", "unit_code": "LC-001",
        "password": "deputy-password-1",
    })
    assert response.status_code == 303
    row = await Officer.select(Officer.role, Officer.unit.code).where(Officer.username == "lcdeputy").first()
    assert row == {"role": "manager", "unit.code": "LC-001"}
    assert (await login(client, "lcdeputy", "deputy-password-1")).status_code == 303
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    assert "LC-001-TT" in page and ">LC<" not in page


async def test_bad_accounts_are_refused_with_a_message(client):
    await login(client, "admin")
    for form, message in [
        ({"username": "x1", "role": "admin", "password": "long-enough-pw"}, "tên đăng nhập phải gồm"),
        ({"username": "newone", "role": "manager", "password": "long-enough-pw"}, "cần --unit"),
        ({"username": "newone", "role": "admin", "password": "short"}, "ít nhất 10"),
        ({"username": "newone", "role": "chief", "password": "long-enough-pw"}, "vai trò phải là"),
        ({"username": "admin", "role": "admin", "password": "long-enough-pw"}, "đã có người dùng"),
    ]:
        await post_form(client, "/officer/admin/users", form)
        assert message in (await client.get("/officer/admin/users", headers=HTML)).text, form
    assert not await Officer.exists().where(Officer.username == "newone")


async def test_locking_ends_sessions_and_admin_cannot_lock_self(world):
    async with app_client(world) as admin, app_client(world) as manager:
        await login(admin, "admin")
        await login(manager, "nbmanager")
        assert (await manager.get("/officer", headers=HTML)).status_code == 200
        await post_form(admin, "/officer/admin/users/nbmanager/active", {"active": "0"})
        assert (await manager.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303
        await post_form(admin, "/officer/admin/users/admin/active", {"active": "0"})
        assert "Không thể tự khoá" in (await admin.get("/officer/admin/users", headers=HTML)).text
        assert (await Officer.select(Officer.active).where(Officer.username == "admin").first())["active"] is True


async def test_password_reset_ends_old_sessions(world):
    async with app_client(world) as admin, app_client(world) as researcher:
        await login(admin, "admin")
        await login(researcher, "researcher")
        await post_form(admin, "/officer/admin/users/researcher/password", {"password": "brand-new-password"})
        assert (await researcher.get("/officer", headers=HTML, follow_redirects=False)).status_code == 303
        assert (await login(researcher, "researcher")).status_code == 401
        assert (await login(researcher, "researcher", "brand-new-password")).status_code == 303
    entry = await AuditLog.select(AuditLog.actor).where(AuditLog.action == "officer.password_reset").first()
    assert entry == {"actor": "admin"}


async def test_unknown_user_is_404(client):
    await login(client, "admin")
    assert (await post_form(client, "/officer/admin/users/ghost/password", {"password": "whatever-pass"})).status_code == 404
