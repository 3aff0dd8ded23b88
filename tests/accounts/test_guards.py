"""The guard API other areas call: unit scope (IDOR), roles, and the officer of a session."""

from __future__ import annotations

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException

from survey.accounts.guards import CurrentOfficer, authorize_unit, authorize_unit_id, in_scope
from survey.db.tables import Officer, Unit


async def officer(username: str) -> CurrentOfficer:
    row = await Officer.select(Officer.all_columns(), Officer.unit.code, Officer.unit.path).where(
        Officer.username == username).first()
    return CurrentOfficer(id=row["id"], username=username, full_name=row["full_name"], role=row["role"],
                          unit_id=row["unit"], unit_code=row["unit.code"], unit_path=row["unit.path"] or "/")


async def test_manager_reaches_own_unit_and_below_only(world):
    nb = await officer("nbmanager")
    assert (await authorize_unit(nb, "NB"))["code"] == "NB"
    assert (await authorize_unit(nb, "NB-001-TT"))["name"] == "Trung tâm PVHCC Xã Một"
    for outside in ("LC", "LC-001-TT", "VN"):
        with pytest.raises(PermissionDeniedException):
            await authorize_unit(nb, outside)
    with pytest.raises(NotFoundException):
        await authorize_unit(nb, "NOWHERE")


async def test_ids_are_checked_like_codes(world):
    nb = await officer("nbmanager")
    lc_id = (await Unit.select(Unit.id).where(Unit.code == "LC").first())["id"]
    with pytest.raises(PermissionDeniedException):
        await authorize_unit_id(nb, lc_id)
    with pytest.raises(NotFoundException):
        await authorize_unit_id(nb, 10**9)


async def test_path_prefix_does_not_leak_to_sibling_ids(world):
    """Unit /1/2/ must not see /1/23/: paths end with '/', so a prefix is always a whole ancestor chain."""
    nb = await officer("nbmanager")
    assert nb.unit_path.endswith("/")
    assert not in_scope(nb, nb.unit_path[:-1] + "9/")
    assert in_scope(nb, nb.unit_path + "9/")


async def test_officer_without_unit_sees_the_whole_tree(world):
    admin = await officer("admin")
    assert admin.unit_path == "/" and admin.is_admin
    assert (await authorize_unit(admin, "LC-001-TT"))["code"] == "LC-001-TT"
