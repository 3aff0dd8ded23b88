"""The public pages against the officer report they are read from, on both engines: the same figures, no
figure for a unit below the minimum in any format, 404 everywhere for a private province, conditional
requests, one computation for a stampede, and nothing public moved by an answer in the month in progress."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime

from survey.core.periods import month_of, parse_period
from survey.db.tables import Counter, Response, Unit
from survey.public.publication import set_publication
from survey.reports.formatting import Formatter
from survey.reports.services import ReportRequest, build_report
from tests.public_pages.conftest import PERIOD, public_state

VI = Formatter("vi")
HTML = {"accept": "text/html"}


def unit_formats(code: str) -> list[str]:
    return [f"/cong-khai/{code}", f"/public/{code}", f"/cong-khai/{code}.csv", f"/public/{code}.json",
            f"/cong-khai/{code}.json", f"/cong-khai/{code}/huy-hieu.svg", f"/public/{code}/badge.svg"]


async def get(client, path: str, **headers):
    separator = "&" if "?" in path else "?"
    return await client.get(f"{path}{separator}ky={PERIOD}", headers={**HTML, **headers})


def rows_of(text: str) -> dict[str, dict]:
    return {row["code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


async def officer(code: str):
    return await build_report(ReportRequest(code, parse_period(PERIOD)))


async def test_a_province_is_private_until_made_public_and_then_404_everywhere_else(demo, db):
    from tests.accounts.fixtures import app_client

    async with app_client(db) as client:
        for path in unit_formats("NB") + unit_formats("NB-001"):
            assert (await get(client, path)).status_code == 404, path
        home = await get(client, "/cong-khai")
        assert home.status_code == 200 and "Chưa có tỉnh" in home.text
        await set_publication("NB", True, 30, "province", actor="test")
        public_state(client).forget()
        lc_units = [r["code"] for r in await Unit.select(Unit.code).where(Unit.path.like(
            (await Unit.select(Unit.path).where(Unit.code == "LC").first())["path"] + "%"))]
        assert len(lc_units) > 3
        for code in lc_units:
            for path in unit_formats(code):
                answer = await get(client, path)
                assert answer.status_code == 404, path
                assert code not in answer.text
        assert (await get(client, "/cong-khai/NB")).status_code == 200
        everything = (await client.get(f"/cong-khai/du-lieu/{PERIOD}.csv")).text
        assert set(rows_of(everything)) >= {"NB", "NB-001"} and not set(rows_of(everything)) & set(lc_units)
        home = (await get(client, "/cong-khai")).text
        assert "Tỉnh Ninh Bình" in home and "Lào Cai" not in home
        # The country's own figure would mix the private province in: not shown, nor are bands among provinces.
        national = (await client.get(f"/cong-khai/VN.json?ky={PERIOD}")).json()["units"][0]
        assert national["published"] is False and national["composite"] is None


async def largest_commune() -> tuple[str, str]:
    """The commune of Ninh Bình with the most answers in the quarter, and its centre (both published)."""
    row = max((r for r in (await officer("NB")).subunits if r.level == "commune"), key=lambda r: r.n)
    centre = (await officer(row.code)).subunits[0].code
    return row.code, centre


async def test_figures_equal_the_officer_report(client):
    for code in ("NB", *await largest_commune()):
        report = await officer(code)
        data = (await get(client, f"/cong-khai/{code}.json")).json()
        unit = data["units"][0]
        assert unit["code"] == code and unit["published"] is True
        assert unit["composite"] == {"value": report.composite.value, "lower": report.composite.lower,
                                     "upper": report.composite.upper}
        assert unit["answers"] == report.composite.n and unit["verdict"] == report.composite_verdict.verdict
        assert unit["overall"]["value"] == report.overall.value
        assert {k: v["value"] for k, v in unit["elements"].items()} == {e.key: e.index.value for e in report.elements}
        page = (await get(client, f"/cong-khai/{code}")).text
        assert VI.percent(report.composite.value) in page
        assert VI.interval(report.composite.lower, report.composite.upper) in page
        assert VI.count(report.composite.n) in page
        # Each sub-unit's line on the page is its row of the same officer report, with its rank band.
        bands = {r.code: (r.rank_lower, r.rank_upper, len(report.ranking.rows)) for r in report.ranking.rows}
        for row in report.subunits:
            if row.composite.value is not None:
                assert VI.percent(row.composite.value) in page
                assert VI.interval(row.composite.lower, row.composite.upper) in page
                if row.code in bands:
                    assert "hạng {}–{}/{}".format(*bands[row.code]) in page
        assert len(page.encode()) < 50_000
    badge = (await get(client, "/cong-khai/NB/huy-hieu.svg")).text
    report = await officer("NB")
    assert "Chỉ số hài lòng Q3/2026" in badge and VI.percent(report.composite.value) in badge


async def test_a_unit_below_the_minimum_shows_no_figure_in_any_format(client):
    report = await officer("NB")
    smallest = min((r for r in report.subunits if r.composite.value is not None), key=lambda r: r.n)
    # Raise the province's minimum just above the smallest commune's answers: that commune is withheld.
    await set_publication("NB", True, smallest.n + 1, "province", actor="test")
    public_state(client).forget()
    own = await officer(smallest.code)
    numbers = {VI.percent(own.composite.value), VI.percent(own.composite.lower), VI.percent(own.composite.upper),
               VI.percent(smallest.composite.value), VI.count(own.composite.n)}
    page = (await get(client, f"/cong-khai/{smallest.code}")).text
    assert "chưa đủ dữ liệu" in page.lower()
    headline = page.split("Chỉ số hài lòng chung", 1)[1].split("Xu hướng", 1)[0]
    assert not any(n in headline for n in numbers), headline
    parent = (await get(client, "/cong-khai/NB")).text
    line = parent.split(smallest.name, 1)[1].split("</li>", 1)[0]
    assert "chưa đủ dữ liệu" in line and "%" not in line and "phiếu" not in line
    data = (await get(client, f"/cong-khai/{smallest.code}.json")).json()["units"][0]
    assert data == {"code": smallest.code, "name": smallest.name, "level": data["level"], "parent": "NB",
                    "published": False, "verdict": "insufficient_data", "answers": None, "composite": None,
                    "overall": None, "elements": {}, "rank": None}
    for path in (f"/cong-khai/{smallest.code}.csv", f"/cong-khai/du-lieu/{PERIOD}.csv"):
        text = (await client.get(path if "du-lieu" in path else f"{path}?ky={PERIOD}")).text
        row = rows_of(text)[smallest.code]
        figures = {k: v for k, v in row.items() if k not in ("schema", "period", "code", "name", "level", "parent",
                                                             "published", "verdict")}
        assert row["published"] == "0" and set(figures.values()) == {""}, row
    badge = (await get(client, f"/cong-khai/{smallest.code}/huy-hieu.svg")).text
    assert "chưa đủ dữ liệu" in badge and "%" not in badge


async def test_cache_headers_and_conditional_requests(client):
    first = await get(client, "/cong-khai/NB")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=300"
    assert "set-cookie" not in first.headers
    assert "script-src 'self'" in first.headers["content-security-policy"]
    assert first.headers["x-content-type-options"] == "nosniff"
    assert (await get(client, "/cong-khai/NB", **{"if-none-match": etag})).status_code == 304
    assert (await get(client, "/cong-khai/NB", **{"if-none-match": f'W/{etag}, "other"'})).status_code == 304
    assert (await get(client, "/cong-khai/NB", **{"if-modified-since": modified})).status_code == 304
    assert (await get(client, "/cong-khai/NB", **{"if-none-match": '"stale"'})).status_code == 200
    assert (await get(client, "/cong-khai/NB", **{"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"})).status_code == 200
    for path in ("/cong-khai/NB.csv", "/cong-khai/NB.json", "/cong-khai/NB/huy-hieu.svg"):
        answer = await get(client, path)
        assert (await get(client, path, **{"if-none-match": answer.headers["etag"]})).status_code == 304, path
    bulk = await client.get(f"/cong-khai/du-lieu/{PERIOD}.json")
    assert bulk.json()["schema"] == "sipas-public/1" and "CC BY 4.0" in bulk.json()["licence"]
    assert 'rel="license"' in bulk.headers["link"]


async def test_bad_or_unfinished_periods_are_refused(client):
    assert (await client.get("/cong-khai/NB?ky=2026-07", headers=HTML)).status_code == 400
    assert (await client.get("/cong-khai/NB?ky=quý 9", headers=HTML)).status_code == 400
    now = month_of(datetime.now(UTC), "Asia/Ho_Chi_Minh")
    in_progress = parse_period(now[:4] + "-Q" + str((int(now[5:]) - 1) // 3 + 1)).label
    for path in (f"/cong-khai/NB?ky={in_progress}", f"/cong-khai/du-lieu/{in_progress}.csv",
                 f"/cong-khai/NB/huy-hieu.svg?ky={in_progress}"):
        assert (await client.get(path, headers=HTML)).status_code == 404, path


async def test_a_stampede_computes_each_page_once(client):
    state = public_state(client)
    state.forget()
    answers = await asyncio.gather(*(get(client, "/cong-khai/NB") for _ in range(40)))
    assert {a.status_code for a in answers} == {200} and len({a.text for a in answers}) == 1
    assert state.pages.computations == 1
    reports = state.reports.computations
    await asyncio.gather(*(get(client, "/cong-khai/NB") for _ in range(10)))
    assert state.pages.computations == 1 and state.reports.computations == reports


async def test_an_answer_in_the_month_in_progress_changes_nothing_public(client):
    """On 15 September 2026 the quarter in progress is Q3 and the last complete one Q2: an answer stored in
    September moves nothing on any page, in any format, of the default period or of Q2."""
    from survey.public.services import data_version

    state = public_state(client)
    state.today = date(2026, 9, 15)
    commune, centre = await largest_commune()
    paths = [*(f"/cong-khai/{c}{s}" for c in ("NB", commune, centre) for s in ("", ".csv", ".json")),
             "/cong-khai/NB/huy-hieu.svg", "/cong-khai", "/public/NB", "/cong-khai/du-lieu/2026-Q2.csv"]

    async def snapshot() -> dict[str, tuple[int, str, str]]:
        state.forget()  # recompute everything from the database
        result = {}
        for path in paths:
            for url in (path, f"{path}?ky=2026-Q2"):
                answer = await client.get(url, headers=HTML)
                assert answer.status_code == 200, url
                result[url] = (answer.status_code, answer.headers["etag"], answer.text)
        return result

    version, before = await data_version(state.clock()), await snapshot()
    assert "Quý II/2026" in before["/cong-khai/NB"][2] and "95" in before["/cong-khai/NB"][2]
    counter = await Counter.select(Counter.id).where(Counter.code.like(f"{centre}%")).first()
    template = await Response.select().where((Response.counter == counter["id"]) & (Response.period == "2026-09")
                                             ).first()
    row = {k: v for k, v in template.items() if k != "id"}
    # Stored on the 14th: inside what an officer's report of the month in progress reads on the 15th.
    await Response.insert(Response(**{**row, "e1": 1, "e2": 1, "e3": 1, "e4": 1, "e5": 1, "overall": 1,
                                      "received_at": datetime(2026, 9, 14, 5, tzinfo=UTC),
                                      "nonce": "public-test-in-progress"}))
    assert await data_version(state.clock()) == version
    assert await snapshot() == before
    # The check can fail: a review that moves a flagged response of a complete month into the figures changes
    # the version, so the pages are recomputed. (The flagged response is written straight into June here; the
    # application only ever stores answers in the month in progress.)
    from survey.accounts.guards import CurrentOfficer
    from survey.admin.review import review_response

    flagged = await Response.insert(Response(**{**row, "period": "2026-06", "status": "flagged",
                                                "nonce": "public-test-complete-month"}))
    waiting = await data_version(state.clock())
    await review_response(CurrentOfficer(0, "admin", "", "admin", None, None, "/"), flagged[0]["id"], "valid")
    assert await data_version(state.clock()) != waiting


def test_the_default_period_is_the_last_quarter_that_has_ended():
    from survey.public.services import latest_quarter
    from survey.reports.services import Clock

    assert latest_quarter(Clock(date(2026, 12, 8))).label == "2026-Q3"
    assert latest_quarter(Clock(date(2026, 10, 1))).label == "2026-Q3"
    assert latest_quarter(Clock(date(2026, 9, 30))).label == "2026-Q2"
    assert latest_quarter(Clock(date(2027, 1, 1))).label == "2026-Q4"
