"""Parameters the second review sent to officer pages: each gets a page or a clear 4xx, never a 500."""

from __future__ import annotations

from tests.accounts.fixtures import HTML, client, login  # noqa: F401  (fixture)


async def test_a_huge_or_zero_audit_page_is_answered_clearly(client):  # noqa: F811
    assert (await login(client, "admin")).status_code == 303
    answers = [
        await client.get("/officer/admin/audit", params={"page": str(10**12)}, headers=HTML),
        await client.get("/officer/admin/audit", params={"page": "0"}, headers=HTML),
    ]
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert all(a.status_code in (200, 400, 404) for a in answers), [a.status_code for a in answers]
