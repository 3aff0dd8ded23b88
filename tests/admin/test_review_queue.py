"""The review queue grouped by counter and local day with each flag's reason and the unit's name, the backlog
on the dashboard, and nobody accepting the flagged answers their own unit's figures rest on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from survey.accounts.services import create_officer
from survey.admin.review import may_decide
from survey.db.tables import Response
from tests.accounts.fixtures import HTML, app_client, login, post_form

COMMUNE_PASSWORD = "commune-manager-pw"


async def status(response_id: int) -> str:
    return (await Response.select(Response.status).where(Response.id == response_id).first())["status"]


async def test_the_communes_own_manager_cannot_accept_its_flagged_responses(client, places):
    """The response was taken at the commune's centre (NB-001-TT): the commune's manager (NB-001) saw it and,
    before the rule, accepted it into their own index. The province's manager, the level above, decides it."""
    await create_officer("ncmanager", COMMUNE_PASSWORD, "manager", "NB-001")
    await login(client, "ncmanager", COMMUNE_PASSWORD)
    queue = (await client.get("/officer/review", headers=HTML)).text
    assert "Chờ cấp trên xem xét" in queue and f"/officer/review/{places['NB']}" not in queue
    refused = await post_form(client, f"/officer/review/{places['NB']}", {"decision": "valid"})
    assert refused.status_code == 303 and await status(places["NB"]) == "flagged"
    assert "cán bộ cấp trên sẽ xem xét" in (await client.get("/officer/review", headers=HTML)).text
    await login(client, "nbmanager")
    accepted = await post_form(client, f"/officer/review/{places['NB']}", {"decision": "valid"})
    assert accepted.status_code == 303 and await status(places["NB"]) == "valid"


async def test_a_setting_lets_everyone_in_scope_decide(world, places):
    await create_officer("ncmanager", COMMUNE_PASSWORD, "manager", "NB-001")
    async with app_client(replace(world, review_by="scope")) as client:
        await login(client, "ncmanager", COMMUNE_PASSWORD)
        await post_form(client, f"/officer/review/{places['NB']}", {"decision": "valid"})
    assert await status(places["NB"]) == "valid"


def test_the_rule_is_two_levels_up():
    class Officer:
        def __init__(self, path: str) -> None:
            self.unit_path = path

    centre = "/1/2/3/4/"  # country / province / commune / centre
    assert [may_decide(Officer(p), centre) for p in ("/", "/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/")] == [
        True, True, True, False, False]
    assert may_decide(Officer("/1/2/3/4/"), centre, "scope")


async def test_queue_groups_by_counter_and_local_day_with_reasons_and_names(client, places):
    # 01:30 UTC on 3 July is 08:30 in Hà Nội, the same day; 20:00 UTC is 03:00 on 4 July there.
    await Response.update({Response.received_at: datetime(2026, 7, 3, 1, 30, tzinfo=UTC),
                           Response.flag_reason: "counter_rate"}).where(Response.id == places["NB"])
    await login(client, "admin")
    queue = (await client.get("/officer/review", headers=HTML)).text
    assert "03/07/2026 · Quầy NB-001-TT-Q1" in queue and "08:30" in queue
    assert "quầy nhận nhiều phiếu hơn mức có thể phục vụ trong 10 phút" in queue
    assert "Lào Cai" in queue or "LC-001-TT" in queue  # the admin sees both provinces' groups, unit named
    assert "2 phiếu bị gắn cờ đang chờ quyết định." in queue
    await Response.update({Response.received_at: datetime(2026, 7, 3, 20, 0, tzinfo=UTC)}).where(
        Response.id == places["NB"])
    assert "04/07/2026 · Quầy NB-001-TT-Q1" in (await client.get("/officer/review", headers=HTML)).text


async def test_dashboard_shows_the_backlog(client, places):
    await login(client, "nbmanager")
    page = (await client.get("/officer/dashboard", params={"period": "2026-07"}, headers=HTML)).text
    card = page[page.index('id="flagged-backlog"'):]
    assert '<p class="figure">1</p>' in card[:400] and 'href="/officer/review"' in card[:400]
