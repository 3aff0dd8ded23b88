"""The audit log viewer and the review queue for flagged responses (scope-checked, audited)."""

from __future__ import annotations

from datetime import UTC

from survey.db.tables import AuditLog, Response
from tests.accounts.fixtures import HTML, login, post_form


async def status(response_id: int) -> str:
    return (await Response.select(Response.status).where(Response.id == response_id).first())["status"]


async def test_audit_viewer_filters_by_action_and_actor(client):
    await login(client, "nbmanager")
    await login(client, "nobody", "wrong-password-x")
    await login(client, "admin")
    everything = (await client.get("/officer/admin/audit", headers=HTML)).text
    assert "login.failure" in everything and "nbmanager" in everything
    failures = (await client.get("/officer/admin/audit?action=login.failure", headers=HTML)).text
    assert "(unknown)" in failures and "<td>nbmanager</td>" not in failures
    by_actor = (await client.get("/officer/admin/audit?actor=nbmanager", headers=HTML)).text
    assert "<td>nbmanager</td>" in by_actor and "(unknown)" not in by_actor
    assert (await client.get("/officer/admin/audit?page=0", headers=HTML)).status_code == 400


async def test_manager_reviews_own_flagged_response(client, places):
    await login(client, "nbmanager")
    queue = (await client.get("/officer/review", headers=HTML)).text
    assert f"/officer/review/{places['NB']}" in queue and f"/officer/review/{places['LC']}" not in queue
    response = await post_form(client, f"/officer/review/{places['NB']}", {"decision": "excluded"})
    assert response.status_code == 303
    assert await status(places["NB"]) == "excluded"
    entry = await AuditLog.select(AuditLog.actor, AuditLog.target, AuditLog.detail).where(
        AuditLog.action == "response.review").first()
    assert entry["actor"] == "nbmanager" and entry["target"] == f"response:{places['NB']}"
    assert "excluded" in str(entry["detail"])
    again = await post_form(client, f"/officer/review/{places['NB']}", {"decision": "valid"})
    assert again.status_code == 303
    assert "đã được xem xét" in (await client.get("/officer/review", headers=HTML)).text
    assert await status(places["NB"]) == "excluded"


async def test_manager_cannot_review_another_province_by_id(client, places):
    await login(client, "nbmanager")
    response = await post_form(client, f"/officer/review/{places['LC']}", {"decision": "valid"})
    assert response.status_code == 403
    assert await status(places["LC"]) == "flagged"
    assert (await post_form(client, "/officer/review/999999", {"decision": "valid"})).status_code == 404
    assert not await AuditLog.exists().where(AuditLog.action == "response.review")


async def test_bad_decision_changes_nothing(client, places):
    await login(client, "admin")
    await post_form(client, f"/officer/review/{places['LC']}", {"decision": "delete"})
    assert await status(places["LC"]) == "flagged"
    assert "Quyết định phải là" in (await client.get("/officer/review", headers=HTML)).text


async def test_audit_viewer_filters_by_utc_days_and_keeps_the_filter_across_pages(client):
    from datetime import datetime

    def entry(day: int, hour: int, target: str) -> AuditLog:
        return AuditLog(at=datetime(2026, 3, day, hour, 30, tzinfo=UTC), actor="system",
                        action="test.dated", target=target)

    await AuditLog.insert(entry(1, 23, "before"), *(entry(2, h % 24, f"on-the-2nd-{n}") for n, h in enumerate(range(101))),
                          entry(3, 0, "third-early"), entry(3, 23, "third-late"), entry(4, 0, "after"))
    await login(client, "admin")
    third = (await client.get("/officer/admin/audit?since=2026-03-03&until=2026-03-03", headers=HTML)).text
    assert "third-early" in third and "third-late" in third
    assert "before" not in third and "after" not in third and "on-the-2nd" not in third
    from_third = (await client.get("/officer/admin/audit?action=test.dated&since=2026-03-03", headers=HTML)).text
    assert "after" in from_third and "on-the-2nd" not in from_third
    second = (await client.get("/officer/admin/audit?since=2026-03-02&until=2026-03-02", headers=HTML)).text
    assert second.count("on-the-2nd-") == 100 and "third-early" not in second
    assert "since=2026-03-02&amp;until=2026-03-02&amp;page=2" in second
    rest = (await client.get("/officer/admin/audit?since=2026-03-02&until=2026-03-02&page=2", headers=HTML)).text
    assert rest.count("on-the-2nd-") == 1
    last_day_there_is = (await client.get("/officer/admin/audit?since=2026-03-04&until=9999-12-31", headers=HTML)).text
    assert "after" in last_day_there_is and "third-late" not in last_day_there_is
    for bad in ("since=2026-02-30", "until=yesterday", "since=2026-03-04&until=2026-03-03"):
        assert (await client.get(f"/officer/admin/audit?{bad}", headers=HTML)).status_code == 400, bad
