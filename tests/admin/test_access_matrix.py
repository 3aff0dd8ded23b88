"""Who may open and change each back-office page: every route against every role."""

from __future__ import annotations

import pytest

from tests.accounts.fixtures import HTML, login, post_form

PAGES = {
    "/officer/admin/units": {"admin", "nbmanager"},
    "/officer/admin/counters": {"admin", "nbmanager"},
    "/officer/review": {"admin", "nbmanager"},
    "/officer/admin/users": {"admin"},
    "/officer/admin/volumes": {"admin"},
    "/officer/admin/audit": {"admin"},
}
# Changes only an administrator may make, each with a form a manager of the unit's province would send.
ADMIN_CHANGES = [
    ("/officer/admin/units", {"code": "NB-002", "name": "Xã Ba", "level": "commune", "parent_code": "NB"}),
    ("/officer/admin/units/NB-001/rename", {"name": "Đổi tên"}),
    ("/officer/admin/units/NB-001/active", {"active": "0"}),
    ("/officer/admin/counters", {"code": "NB-Q9", "name": "Quầy 9", "unit_code": "NB-001-TT", "instrument_key": "sipas_qr"}),
    ("/officer/admin/users", {"username": "sneaky", "password": "sneaky-password-1", "role": "admin"}),
    ("/officer/admin/users/admin/active", {"active": "0"}),
    ("/officer/admin/users/admin/password", {"password": "taken-over-password"}),
    ("/officer/admin/volumes", {"csv": "unit_code,period,dossiers\nNB-001-TT,2026-07,10\n"}),
]


@pytest.mark.parametrize("path", PAGES)
async def test_pages_by_role(client, path):
    anonymous = await client.get(path, headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    for username in ("admin", "nbmanager", "researcher"):
        await login(client, username)
        response = await client.get(path, headers=HTML)
        assert response.status_code == (200 if username in PAGES[path] else 403), (username, path)


@pytest.mark.parametrize(("path", "form"), ADMIN_CHANGES)
async def test_only_admin_changes(client, path, form):
    from survey.db.tables import AuditLog

    before = await AuditLog.count()
    for username in ("nbmanager", "researcher"):
        await login(client, username)
        response = await post_form(client, path, form)
        assert response.status_code == 403, (username, path)
    logins = 2
    assert await AuditLog.count() == before + logins  # nothing but the two logins was recorded
