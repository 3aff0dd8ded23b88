"""Units: the tree each officer sees, and the administrator's changes (audited, scope-checked)."""

from __future__ import annotations

from survey.db.tables import AuditLog, Counter, Unit
from tests.accounts.fixtures import HTML, login, post_form


async def unit(code: str) -> dict | None:
    return await Unit.select().where(Unit.code == code).first()


async def test_manager_sees_only_their_subtree_in_tree_order(client):
    await login(client, "nbmanager")
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    assert "NB-001-TT" in page and "LC-001" not in page and "Lào Cai" not in page
    assert page.index(">NB<") < page.index(">NB-001<") < page.index(">NB-001-TT<")
    assert "/rename" not in page  # read-only for managers


async def test_admin_sees_everything(client):
    await login(client, "admin")
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    for code in ("VN", "NB-001-TT", "LC-001-TT"):
        assert f">{code}<" in page


async def test_create_rename_deactivate(client):
    await login(client, "admin")
    created = await post_form(client, "/officer/admin/units",
                               {"code": "NB-002", "name": "Xã Ba", "level": "commune", "parent_code": "NB"})
    assert created.status_code == 303
    parent, child = await unit("NB"), await unit("NB-002")
    assert child["parent"] == parent["id"] and child["path"] == f"{parent['path']}{child['id']}/"
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    assert "Đã tạo đơn vị" in page
    await post_form(client, "/officer/admin/units/NB-002/rename", {"name": "Xã Ba Mới"})
    assert (await unit("NB-002"))["name"] == "Xã Ba Mới"
    await post_form(client, "/officer/admin/units/NB-002/active", {"active": "0", "confirm": "1"})
    assert (await unit("NB-002"))["active"] is False
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).where(AuditLog.target == "NB-002")]
    assert actions == ["unit.create", "unit.rename", "unit.deactivate"]


async def test_bad_unit_forms_are_refused_with_a_message(client):
    await login(client, "admin")
    for form, message in [
        ({"code": "NB", "name": "Trùng", "level": "province", "parent_code": "VN"}, "đã tồn tại"),
        ({"code": "bad code!", "name": "X", "level": "commune", "parent_code": "NB"}, "Mã đơn vị"),
        ({"code": "NB-003", "name": "", "level": "commune", "parent_code": "NB"}, "Tên đơn vị: chưa nhập"),
    ]:
        await post_form(client, "/officer/admin/units", form)
        page = (await client.get("/officer/admin/units", headers=HTML)).text
        assert message in page, form
    assert await unit("NB-003") is None
    missing_parent = await post_form(client, "/officer/admin/units",
                                     {"code": "XX-1", "name": "X", "level": "commune", "parent_code": "NOPE"})
    assert missing_parent.status_code == 404
    assert (await post_form(client, "/officer/admin/units/NOPE/rename", {"name": "x"})).status_code == 404
    assert (await post_form(client, "/officer/admin/units/NB/active", {"active": "maybe"})).status_code == 400


async def test_closing_a_unit_or_a_counter_stops_its_survey_at_once_and_reopening_restarts_it(client, places, world):
    from survey.qr.keys import signing_kid
    from survey.qr.tokens import sign_counter

    counter_id = (await Counter.select(Counter.id).where(Counter.code == "NB-001-TT-Q1").first())["id"]
    survey = f"/q/{sign_counter(world.secret_key, await signing_kid(), counter_id)}"
    assert (await client.get(survey)).status_code == 200  # the counter is now in this process's cache
    await login(client, "admin")
    for path in ("/officer/admin/units/NB-001", "/officer/admin/counters/NB-001-TT-Q1"):
        await post_form(client, f"{path}/active", {"active": "0", "confirm": "1"})
        assert (await client.get(survey)).status_code == 410, path
        await post_form(client, f"{path}/active", {"active": "1"})
        assert (await client.get(survey)).status_code == 200, path
    await post_form(client, "/officer/admin/units/NB-001-TT/rename", {"name": "Trung tâm mới"})
    assert "Trung tâm mới" in (await client.get(survey)).text


async def test_admin_sets_the_issuing_body_of_a_unit_s_documents(client):
    from survey.reports.letterhead import letterhead_for

    await login(client, "admin")
    page = await client.get("/officer/admin/units/NB/letterhead", headers=HTML)
    assert page.status_code == 200 and "Cơ quan chủ quản" in page.text
    saved = await post_form(client, "/officer/admin/units/NB/letterhead",
                            {"authority": "  UBND TỈNH   NINH BÌNH ", "issuer": "SỞ NỘI VỤ", "place": "Ninh Bình",
                             "code": "SNV"})
    assert saved.status_code == 303
    head = await letterhead_for("NB-001")  # a commune takes its province's settings
    assert (head.authority, head.issuer, head.place, head.number_line) == (
        "UBND TỈNH NINH BÌNH", "SỞ NỘI VỤ", "Ninh Bình", "Số: ……/BC-SNV")
    assert await AuditLog.exists().where((AuditLog.action == "unit.letterhead") & (AuditLog.target == "NB"))
    too_long = await post_form(client, "/officer/admin/units/NB/letterhead", {"code": "X" * 40})
    assert too_long.status_code == 303
    assert "dài quá 32 ký tự" in (await client.get("/officer/admin/units/NB/letterhead", headers=HTML)).text
    assert (await letterhead_for("NB")).code == "SNV"


async def test_a_manager_cannot_change_the_issuing_body(client):
    await login(client, "nbmanager")
    assert (await client.get("/officer/admin/units/NB/letterhead", headers=HTML)).status_code == 403


async def test_closing_asks_first_with_what_will_close_and_rows_below_show_it(client, places):
    await login(client, "admin")
    open_units = await Unit.count().where(Unit.path.like((await unit("NB"))["path"] + "%") & (Unit.active == True))  # noqa: E712
    open_counters = await Counter.count().where(Counter.unit.path.like((await unit("NB"))["path"] + "%"))
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    assert 'href="/officer/admin/units/NB/close"' in page  # a link to the confirmation, not a one-click close
    unconfirmed = await post_form(client, "/officer/admin/units/NB/active", {"active": "0"})
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == "/officer/admin/units/NB/close"
    assert (await unit("NB"))["active"] is True
    confirm = (await client.get("/officer/admin/units/NB/close", headers=HTML)).text
    assert f'<strong id="close-units">{open_units}</strong>' in confirm
    assert f'<strong id="close-counters">{open_counters}</strong>' in confirm and open_counters > 0
    await post_form(client, "/officer/admin/units/NB/active", {"active": "0", "confirm": "1"})
    assert (await unit("NB"))["active"] is False and (await unit("NB-001"))["active"] is True
    page = (await client.get("/officer/admin/units", headers=HTML)).text
    assert page.count("(ngừng theo NB)") == open_units - 1  # every open row beneath says it is closed too
    counters = (await client.get("/officer/admin/counters", headers=HTML)).text
    assert counters.count("ngừng theo NB") == open_counters
