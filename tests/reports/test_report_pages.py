"""Report pages and downloads: who may see what, parameter errors, and numbers equal to ``stats``."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from survey.accounts.services import create_officer
from survey.demo.loader import DEMO_ADMIN, DEMO_MANAGER
from tests.accounts.fixtures import HTML, app_client, login
from tests.reports.conftest import ELEMENTS, response_rows, unit_path
from tests.reports.test_report_figures import periods, row_design

URLS = ("/officer/reports", "/officer/reports/report.pdf", "/officer/reports/report.xlsx",
        "/officer/reports/report.json", "/officer/dashboard")
PASSWORDS = {DEMO_ADMIN[0]: DEMO_ADMIN[1], DEMO_MANAGER[0]: DEMO_MANAGER[1], "lcmanager": "lc-manager-pass-1",
             "researcher": "researcher-pass-1"}


@pytest.fixture
async def web(demo, db):
    await create_officer("lcmanager", PASSWORDS["lcmanager"], "manager", "LC")
    await create_officer("researcher", PASSWORDS["researcher"], "researcher")
    async with app_client(db) as client:
        yield client


async def as_officer(client, username: str):
    response = await login(client, username, PASSWORDS[username])
    assert response.status_code == 303, response.text
    return client


async def expected_nb_q3():
    """NB's composite index for 2026-Q3 from the rows, with stats.Design (not the report code)."""
    rows = await response_rows()
    in_nb = np.char.startswith(rows.unit_path.astype(str), await unit_path("NB"))
    domain = periods(rows)
    return row_design(rows, in_nb, domain).by(domain[in_nb]).composite(
        [rows.satisfied[c][in_nb] for c in ELEMENTS])["cur"]


async def test_anonymous_visitors_are_sent_to_login(web):
    for url in URLS:
        page = await web.get(url, params={"scope": "NB", "period": "2026-Q3"}, headers=HTML, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login"), url
        api = await web.get(url, params={"scope": "NB", "period": "2026-Q3"}, follow_redirects=False)
        assert api.status_code == 401, url


async def test_researchers_are_refused(web):
    await as_officer(web, "researcher")
    for url in URLS:
        response = await web.get(url, params={"scope": "NB", "period": "2026-Q3"})
        assert response.status_code == 403, url


@pytest.mark.parametrize("scope", ["LC", "VN", "LC-001", "LC-001-TT"])
async def test_a_manager_cannot_read_other_units_by_changing_the_scope(web, scope):
    await as_officer(web, DEMO_MANAGER[0])
    for url in URLS:
        response = await web.get(url, params={"scope": scope, "period": "2026-Q3"})
        assert response.status_code == 403, (url, response.text)
        assert "Lào Cai" not in response.text


async def test_a_manager_reads_their_province_and_its_communes(web):
    await as_officer(web, DEMO_MANAGER[0])
    for scope in ("NB", "NB-001", "NB-001-TT"):
        for url in URLS:
            response = await web.get(url, params={"scope": scope, "period": "2026-Q3"})
            assert response.status_code == 200, (scope, url, response.text[:300])
    dashboard = await web.get("/officer/dashboard", headers=HTML)
    assert dashboard.status_code == 200
    assert "Tỉnh Ninh Bình" in dashboard.text and "Lào Cai" not in dashboard.text


async def test_admin_sees_the_country(web):
    await as_officer(web, DEMO_ADMIN[0])
    response = await web.get("/officer/reports/report.json", params={"scope": "VN", "period": "2026-Q3"})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["subunits"]} == {"NB", "LC"}


@pytest.mark.parametrize(("params", "message"), [
    ({"scope": "NB", "period": "2026-13"}, "tháng 13 không tồn tại"),
    ({"scope": "NB", "period": "2026-Q5"}, "Không hiểu kỳ \u201c2026-Q5\u201d"),
    ({"scope": "NB", "period": "2026-09..2026-05"}, "kết thúc trước khi bắt đầu"),
    ({"scope": "NB", "period": "2026-Q3", "target": "150"}, "Mục tiêu"),
    ({"scope": "NB", "period": "2026-Q3", "target": "0"}, "Mục tiêu"),
    ({"scope": "NB", "period": "2026-Q3", "target": "abc"}, "không phải là số"),
    ({"scope": "ZZ-404", "period": "2026-Q3"}, "Không có đơn vị nào mang mã"),
    ({"scope": "NB", "period": "2026-Q3", "instrument": "nope"}, "unknown instrument"),
    ({"scope": "NB"}, "Chưa nhập kỳ"),
])
async def test_bad_parameters_get_400_with_a_clear_message(web, params, message):
    await as_officer(web, DEMO_ADMIN[0])
    for url in URLS[:4]:
        response = await web.get(url, params=params)
        assert response.status_code == 400, (url, response.text)
        assert message in response.json()["detail"]


async def test_unknown_format_is_400(web):
    await as_officer(web, DEMO_ADMIN[0])
    response = await web.get("/officer/reports", params={"scope": "NB", "period": "2026-Q3", "format": "doc"})
    assert response.status_code == 400 and "unknown report format" in response.json()["detail"]


async def test_json_and_xlsx_numbers_equal_the_row_level_design(web):
    expected = await expected_nb_q3()
    await as_officer(web, DEMO_MANAGER[0])
    params = {"scope": "NB", "period": "2026-Q3"}
    data = (await web.get("/officer/reports", params={**params, "format": "json"})).json()
    assert data["composite"]["value"] == pytest.approx(expected.value, rel=1e-9)
    assert data["composite"]["se"] == pytest.approx(expected.se, rel=1e-9)
    low, high = expected.ci(0.95, "beta")
    assert data["composite"]["lower"] == pytest.approx(low, rel=1e-9)
    json.dumps(data, allow_nan=False)

    workbook = load_workbook(io.BytesIO((await web.get("/officer/reports/report.xlsx", params=params)).content))
    assert {"Tóm tắt", "Yếu tố", "Đơn vị trực thuộc", "Xếp hạng", "Xu hướng", "Phương pháp"} <= set(workbook.sheetnames)
    summary = {row[0]: row for row in workbook["Tóm tắt"].iter_rows(values_only=True) if row and row[0]}
    composite = summary["Chỉ số hài lòng (5 yếu tố)"]
    # Shares are written to 0.01 percentage point (no 15-digit floats), so they agree to half of that.
    assert composite[1] == pytest.approx(expected.value, abs=5e-5)
    assert composite[2] == pytest.approx(low, abs=5e-5) and composite[3] == pytest.approx(high, abs=5e-5)
    units = {row[0]: row for row in workbook["Đơn vị trực thuộc"].iter_rows(min_row=3, values_only=True)}
    assert {code for code in units} == {row["code"] for row in data["subunits"]}


async def test_pdf_shows_the_figures_in_vietnamese(web):
    expected = await expected_nb_q3()
    await as_officer(web, DEMO_MANAGER[0])
    response = await web.get("/officer/reports/report.pdf", params={"scope": "NB", "period": "2026-Q3"})
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Chỉ số hài lòng" in text
    assert "Tỉnh Ninh Bình" in text and "Phường Hoa Lư" in text
    assert f"{100 * expected.value:.1f}%".replace(".", ",") in text  # Vietnamese decimal comma
    assert f"{100 * expected.value:.1f}%" not in text
    assert f"Trang {len(reader.pages)}/{len(reader.pages)}" in text


async def test_empty_period_says_insufficient_data(web):
    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/reports", params={"scope": "NB", "period": "2019-01"}, headers=HTML)
    assert page.status_code == 200 and "Chưa đủ dữ liệu" in page.text
    pdf = await web.get("/officer/reports/report.pdf", params={"scope": "NB", "period": "2019"})
    assert "Chưa đủ dữ liệu" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


async def test_report_page_carries_no_inline_script_or_style(web):
    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/reports", params={"scope": "NB", "period": "2026-Q3"}, headers=HTML)
    assert page.status_code == 200
    assert "<script" not in page.text and "<style" not in page.text and " style=" not in page.text
    assert 'src="data:image/png;base64,' in page.text


@pytest.mark.parametrize(("scope", "period", "target"), [("nb", "Quý 3/2026", "95"), ("Nb", "Q3/2026", "95%"),
                                                         ("NB", "2026-Q3", "0,95")])
async def test_the_forms_officers_write_give_the_same_report(web, scope, period, target):
    await as_officer(web, DEMO_MANAGER[0])
    expected = await expected_nb_q3()
    data = (await web.get("/officer/reports", params={"scope": scope, "period": period, "target": target,
                                                       "format": "json"})).json()
    assert data["scope"]["code"] == "NB" and data["period"] == "2026-Q3" and data["target"] == 0.95
    assert data["composite"]["value"] == pytest.approx(expected.value, rel=1e-9)


async def test_a_bad_field_is_shown_inline_in_vietnamese_inside_the_officer_layout(web):
    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/reports", params={"scope": "NB", "period": "Quý 5/2026", "target": "95"},
                         headers=HTML)
    assert page.status_code == 400
    assert 'id="period-error"' in page.text and "Không hiểu kỳ" in page.text
    assert 'aria-invalid="true"' in page.text and 'value="Quý 5/2026"' in page.text  # what was typed is kept
    assert 'class="topbar"' in page.text and "Đăng xuất" in page.text  # the officer layout, not an error page
    month = await web.get("/officer/reports", params={"scope": "nb", "period": "7/2026"}, headers=HTML)
    assert month.status_code == 200 and "Tháng 7/2026" in month.text


async def test_the_root_goes_to_the_dashboard_or_the_login(web):
    anonymous = await web.get("/", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    await as_officer(web, DEMO_MANAGER[0])
    officer = await web.get("/", headers=HTML, follow_redirects=False)
    assert officer.status_code == 303 and officer.headers["location"] == "/officer/dashboard"


async def test_the_error_page_is_styled_without_inline_style(web):
    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert "<style" not in page.text and " style=" not in page.text
    assert '<link rel="stylesheet" href="/static/officer.css">' in page.text and 'href="/"' in page.text


async def test_the_demo_administrator_is_national_and_reads_the_audit_log(web):
    await as_officer(web, DEMO_ADMIN[0])
    assert (await web.get("/officer/admin/audit", headers=HTML)).status_code == 200


async def test_the_ranking_table_shows_each_quarter_s_report_figures(web):
    from survey.reports import formatting
    from survey.reports.services import build_report, parse_request

    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/ranking", params={"scope": "nb", "period": "Quý 3/2026", "quarters": "4"},
                         headers=HTML)
    assert page.status_code == 200
    formatting.activate("vi", "Asia/Ho_Chi_Minh")
    for quarter in ("2026-Q2", "2026-Q3"):
        report = await build_report(parse_request("NB", quarter))
        settled = {u.code: u for u in report.subunits if u.verdict.verdict != "insufficient_data"}
        row = next(r for r in report.ranking.rows if r.code in settled)
        unit = settled[row.code]
        assert formatting.current().percent(unit.composite.value) in page.text
        assert f"hạng {row.rank_lower}–{row.rank_upper}" in page.text
    assert page.text.count('aria-sort=') == 0  # by code until a heading is clicked
    codes = [c for c in (u.code for u in report.subunits) if f">{c}</span>" in page.text]
    assert sorted(codes, key=page.text.index) == sorted(codes)
    thin = next((u for u in report.subunits if u.verdict.verdict == "insufficient_data"), None)
    if thin is not None:  # below the minimum sample no figure is shown
        cell = page.text.split(f">{thin.code}</span>")[1].split("</tr>")[0]
        assert "hạng" not in cell.split("<td")[-1] and "chưa đủ dữ liệu" in cell
    csv = await web.get("/officer/ranking", params={"scope": "NB", "period": "2026-Q3", "format": "csv"})
    assert csv.content.startswith("\ufeff".encode()) and "2026-Q3 rank_best" in csv.content.decode("utf-8-sig")
    bad = await web.get("/officer/ranking", params={"scope": "NB", "period": "Q9/2026"}, headers=HTML)
    assert bad.status_code == 400 and 'id="period-error"' in bad.text


async def test_the_comparison_uses_the_report_s_design_based_change(web):
    from survey.reports import formatting
    from survey.reports.services import build_report, parse_request

    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/compare", params={"scope": "NB", "period": "2026-Q3"}, headers=HTML)
    assert page.status_code == 200
    formatting.activate("vi", "Asia/Ho_Chi_Minh")
    change = (await build_report(parse_request("NB", "2026-Q3"))).change
    f = formatting.current()
    assert f"{f.points(change.lower)} đến {f.points(change.upper)}" in page.text
    assert "phép so sánh theo thiết kế mẫu" in page.text
    yoy = await web.get("/officer/compare", params={"scope": "NB", "period": "2026-Q3", "yoy": "1"}, headers=HTML)
    assert yoy.status_code == 200 and "so với Quý III/2025" in yoy.text


async def test_two_periods_without_a_common_month_are_independent_strata_of_the_design(web):
    """The report's own contrast of adjacent quarters equals the sum of the two variances (disjoint strata),
    and the same rule, with the union's degrees of freedom, gives the change between non-adjacent periods;
    overlapping periods are refused with a message, not given a wrong interval."""
    from scipy.stats import t

    from survey.reports import formatting
    from survey.reports.services import build_report, parse_request

    formatting.activate("vi", "Asia/Ho_Chi_Minh")
    q3, q2 = await build_report(parse_request("NB", "2026-Q3")), await build_report(parse_request("NB", "2026-Q2"))
    assert q3.change.se == pytest.approx(np.hypot(q3.composite.se, q2.composite.se), rel=1e-6)
    april, september = (await build_report(parse_request("NB", "2026-04")),
                        await build_report(parse_request("NB", "2026-09")))
    difference = september.composite.value - april.composite.value
    half = t.ppf(0.975, april.composite.df + september.composite.df) * np.hypot(april.composite.se,
                                                                              september.composite.se)
    await as_officer(web, DEMO_MANAGER[0])
    page = await web.get("/officer/compare", params={"scope": "NB", "period": "2026-09", "before": "2026-04"},
                         headers=HTML)
    f = formatting.current()
    assert page.status_code == 200 and f"{f.points(difference - half)} đến {f.points(difference + half)}" in page.text
    assert "là các tầng độc lập của cùng một thiết kế" in page.text
    overlapping = await web.get("/officer/compare", params={"scope": "NB", "period": "2026-Q3", "before": "2026-08"},
                                headers=HTML)
    assert overlapping.status_code == 400 and "Hai kỳ có tháng trùng nhau" in overlapping.text


async def test_a_unit_name_that_looks_like_a_formula_stays_text_in_the_xlsx(web):
    """A unit named "=HYPERLINK(...)" became a live formula in the report workbook."""
    from survey.db.tables import Unit

    await as_officer(web, DEMO_MANAGER[0])
    rogue = '=HYPERLINK("http://evil.example","Xem")'
    in_nb = Unit.path.like(await unit_path("NB") + "%")
    child = await Unit.select(Unit.id).where(in_nb, Unit.level != "province").first()
    await Unit.update({Unit.name: rogue}).where(Unit.id == child["id"])
    from survey.citizen.targets import forget_places

    forget_places()
    content = (await web.get("/officer/reports/report.xlsx", params={"scope": "NB", "period": "2026-Q3"})).content
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert cells, "the unit's name is not in the workbook"
    assert all(cell.data_type == "s" and not cell.value.startswith("=") for cell in cells)
