"""CSV imports: good files land whole; a bad row rejects the file with its row number; nothing half-imported."""

import pytest

from survey.csvimport import ImportRejected
from survey.db.tables import AuditLog, Counter, DossierVolume, Unit
from survey.units.services import import_counters, import_units, import_volumes

UNITS = """code,name,level,parent_code
VN,Việt Nam,country,
NB,Tỉnh Ninh Bình,province,VN
NB-001,Phường Hoa Lư,commune,NB
NB-001-TT,Trung tâm Phục vụ hành chính công Phường Hoa Lư,centre,NB-001
"""


async def test_units_import_builds_the_tree(db):
    summary = await import_units(UNITS)
    assert (summary.created, summary.updated) == (4, 0)
    rows = {r["code"]: r for r in await Unit.select()}
    centre, commune = rows["NB-001-TT"], rows["NB-001"]
    assert centre["parent"] == commune["id"]
    assert centre["path"] == f"/{rows['VN']['id']}/{rows['NB']['id']}/{commune['id']}/{centre['id']}/"
    assert centre["name"] == "Trung tâm Phục vụ hành chính công Phường Hoa Lư"
    assert await AuditLog.count().where(AuditLog.action == "units.import") == 1


async def test_reimport_renames_without_duplicating(db):
    await import_units(UNITS)
    summary = await import_units("code,name,level,parent_code\nNB-001,Phường Hoa Lư mới,commune,NB\n")
    assert (summary.created, summary.updated) == (0, 1)
    assert await Unit.count() == 4
    assert (await Unit.select(Unit.name).where(Unit.code == "NB-001").first())["name"] == "Phường Hoa Lư mới"


async def test_bad_rows_are_numbered_and_nothing_is_imported(db):
    await import_units(UNITS)
    bad = (
        "code,name,level,parent_code\n"
        "NB-002,Xã Gia Viễn,commune,NB\n"       # row 2: fine
        "NB 003,Xã Nho Quan,commune,NB\n"       # row 3: space in code
        "NB-004,,commune,NB\n"                  # row 4: empty name
        "NB-005,Xã Kim Sơn,commune,ZZ\n"        # row 5: unknown parent
        "NB-002,Again,commune,NB\n"             # row 6: duplicate code (reported after row checks)
    )
    with pytest.raises(ImportRejected) as caught:
        await import_units(bad)
    rows = sorted((e.row, e.column) for e in caught.value.errors)
    assert rows == [(3, "code"), (4, "name")]
    assert await Unit.count() == 4
    with pytest.raises(ImportRejected) as caught:
        await import_units(bad.replace("NB 003", "NB-003").replace("NB-004,,", "NB-004,Xã Yên Mô,"))
    assert [(e.row, e.column) for e in caught.value.errors] == [(6, "code")]
    with pytest.raises(ImportRejected) as caught:
        await import_units(bad.replace("NB 003", "NB-003").replace("NB-004,,", "NB-004,Xã Yên Mô,").replace("NB-002,Again", "NB-006,Again"))
    assert [(e.row, e.column) for e in caught.value.errors] == [(5, "parent_code")]
    assert "không có đơn vị 'ZZ'" in str(caught.value)
    assert await Unit.count() == 4


async def test_header_problems_are_reported(db):
    with pytest.raises(ImportRejected) as caught:
        await import_units("code,title,level\nA,b,c\n")
    problems = {(e.row, e.column, e.message) for e in caught.value.errors}
    assert (1, "title", "cột không có trong mẫu") in problems
    assert (1, "name", "thiếu cột bắt buộc") in problems
    with pytest.raises(ImportRejected, match="không có dòng dữ liệu"):
        await import_units("code,name,level,parent_code\n")


async def test_parent_must_come_first_and_moves_are_refused(db):
    with pytest.raises(ImportRejected, match="khai báo đơn vị cấp trên trước"):
        await import_units("code,name,level,parent_code\nB,b,commune,A\nA,a,province,\n")
    await import_units(UNITS)
    await import_units("code,name,level,parent_code\nLC,Tỉnh Lào Cai,province,VN\n")
    with pytest.raises(ImportRejected, match="không thể chuyển một đơn vị đã có"):
        await import_units("code,name,level,parent_code\nNB-001,Phường Hoa Lư,commune,LC\n")


async def test_volumes_import_validates_and_replaces(db):
    await import_units(UNITS)
    good = "unit_code,period,dossiers\nNB-001-TT,2026-07,1200\nNB-001-TT,2026-08,1300\n"
    assert (await import_volumes(good)).created == 2
    bad = (
        "unit_code,period,dossiers\n"
        "NB-001-TT,2026-09,1250\n"
        "NB-001-TT,2026-13,10\n"
        "NB-001-TT,2026-10,-5\n"
        "NB-001-TT,2026-11,many\n"
        "NOPE,2026-09,1\n"
    )
    with pytest.raises(ImportRejected) as caught:
        await import_volumes(bad)
    assert sorted((e.row, e.column) for e in caught.value.errors) == [(3, "period"), (4, "dossiers"), (5, "dossiers")]
    with pytest.raises(ImportRejected) as caught:
        await import_volumes("unit_code,period,dossiers\nNB-001-TT,2026-09,1250\nNOPE,2026-09,1\n")
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "unit_code")]
    with pytest.raises(ImportRejected, match="đã có ở dòng 2"):
        await import_volumes("unit_code,period,dossiers\nNB-001-TT,2026-09,1\nNB-001-TT,2026-09,2\n")
    assert await DossierVolume.count() == 2
    summary = await import_volumes("unit_code,period,dossiers\nNB-001-TT,2026-07,999\n")
    assert (summary.created, summary.updated) == (0, 1)
    assert (await DossierVolume.select().where(DossierVolume.period == "2026-07").first())["dossiers"] == 999


async def test_volumes_carry_the_portal_ratings_when_given(db):
    await import_units(UNITS)
    await import_volumes("unit_code,period,dossiers,portal_not_satisfied\nNB-001-TT,2026-07,1200,14\n"
                         "NB-001-TT,2026-08,1300,\n")
    stored = {v["period"]: v["portal_not_satisfied"] for v in await DossierVolume.select()}
    assert stored == {"2026-07": 14, "2026-08": None}
    with pytest.raises(ImportRejected) as caught:
        await import_volumes("unit_code,period,dossiers,portal_not_satisfied\nNB-001-TT,2026-09,10,10\n"
                             "NB-001-TT,2026-10,10,11\n")
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "portal_not_satisfied")]
    assert "11 nhiều hơn số hồ sơ (10)" in str(caught.value)
    with pytest.raises(ImportRejected, match="dòng 2, cột portal_not_satisfied: '-1' không được âm"):
        await import_volumes("unit_code,period,dossiers,portal_not_satisfied\nNB-001-TT,2026-09,10,-1\n")
    assert await DossierVolume.count() == 2
    # A later import of the pair without the column replaces both numbers, so the portal count goes.
    await import_volumes("unit_code,period,dossiers\nNB-001-TT,2026-07,1250\n")
    row = await DossierVolume.select().where(DossierVolume.period == "2026-07").first()
    assert (row["dossiers"], row["portal_not_satisfied"]) == (1250, None)


async def test_counters_need_a_known_unit(db):
    await import_units(UNITS)
    with pytest.raises(ImportRejected, match="dòng 3, cột unit_code"):
        await import_counters("code,name,unit_code\nQ1,Quầy 1,NB-001-TT\nQ2,Quầy 2,ZZ\n")
    assert await Counter.count() == 0
    await import_counters("code,name,unit_code\nQ1,Quầy 1,NB-001-TT\n")
    assert (await Counter.select().first())["instrument_key"] == "sipas_qr"
