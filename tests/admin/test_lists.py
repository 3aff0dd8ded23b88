"""The units and counters pages with a province's worth of communes: search by code or name with or without
diacritics, pages of 50, the search and unit filter kept by the page links, and only the officer's scope."""

from __future__ import annotations

import re

from survey.core.search import PAGE_SIZE, fold, matches
from survey.db.tables import Counter, Unit
from survey.units.services import import_units
from tests.accounts.fixtures import HTML, login

COMMUNES = 120


async def many_communes() -> None:
    """120 communes under NB with a centre each (NB-1xx), one of them "Xã Đồng Hướng", and a counter per centre."""
    lines = ["code,name,level,parent_code"]
    for i in range(COMMUNES):
        name = "Xã Đồng Hướng" if i == 77 else f"Xã Số {i}"
        lines += [f"NB-{100 + i},{name},commune,NB", f"NB-{100 + i}-TT,Trung tâm {name},centre,NB-{100 + i}"]
    await import_units("\n".join(lines) + "\n")
    centres = await Unit.select(Unit.id, Unit.code).where(Unit.code.like("NB-%-TT"), Unit.code != "NB-001-TT")
    await Counter.insert(*[Counter(code=f"{c['code']}-Q1", name=f"Quầy một {c['code']}", unit=c["id"]) for c in centres])


def codes(page: str) -> list[str]:
    return re.findall(r'<span class="indent-\d">([^<]+)</span>', page)


def test_fold_drops_marks_and_case():
    assert fold("Xã ĐỒNG  Hướng") == "xa dong huong"
    assert matches("dong huong", "NB-177", "Xã Đồng Hướng") and matches("", "x")
    assert not matches("dong huong xyz", "Xã Đồng Hướng")


async def test_units_page_searches_without_diacritics_and_pages(client):
    await many_communes()
    await login(client, "nbmanager")
    first = (await client.get("/officer/admin/units", headers=HTML)).text
    assert len(codes(first)) == PAGE_SIZE and "Trang 1/" in first
    assert 'href="?page=2"' in first
    last = (await client.get("/officer/admin/units?page=999", headers=HTML)).text  # clamped to the last page
    total = 1 + 1 + 1 + 2 * COMMUNES  # NB, NB-001, NB-001-TT and the new ones
    assert len(codes(last)) == total - PAGE_SIZE * (total // PAGE_SIZE) and "LC" not in codes(last)
    for query in ("dong huong", "ĐỒNG HƯỚNG", "đồng hướng", "nb-177"):
        found = (await client.get("/officer/admin/units", params={"q": query}, headers=HTML)).text
        assert codes(found) == ["NB-177", "NB-177-TT"], query
    # Lào Cai is outside the manager's scope: searching for it finds nothing
    none = (await client.get("/officer/admin/units", params={"q": "lào cai"}, headers=HTML)).text
    assert codes(none) == [] and "Không có đơn vị nào phù hợp." in none
    assert (await client.get("/officer/admin/units?page=abc", headers=HTML)).status_code == 400


async def test_counters_page_keeps_its_filters_across_pages(client):
    await many_communes()
    await login(client, "admin")
    page = (await client.get("/officer/admin/counters", params={"unit": "NB", "q": "quay mot"}, headers=HTML)).text
    assert "Dòng 1–50 trong 120" in page
    assert 'href="?unit=NB&amp;q=quay+mot&amp;page=2"' in page
    second = (await client.get("/officer/admin/counters?unit=NB&q=quay+mot&page=3", headers=HTML)).text
    assert "Dòng 101–120 trong 120" in second and 'rel="prev" href="?unit=NB&amp;q=quay+mot&amp;page=2"' in second
    by_unit_name = (await client.get("/officer/admin/counters", params={"q": "trung tam xa dong huong"},
                                     headers=HTML)).text
    assert "NB-177-TT-Q1" in by_unit_name and "Dòng 1–1 trong 1" in by_unit_name
    assert 'name="unit" value="NB"' in page  # the search form keeps the unit filter
