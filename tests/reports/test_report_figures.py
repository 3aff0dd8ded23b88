"""Report figures from the SQL pattern counts equal an independent row-level ``stats.Design`` computation.

The row-level design is R's ``svydesign(ids=~1, strata=~cell, weights=~w, fpc=~N)`` on the valid
responses (``stats.Design`` on rows, not ``stats.cells``), with single-response cells collapsed into the
same unit's nearest month of the period, as the report's definitions say.
"""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pytest

from stats import Design
from stats.target import TargetRule, target_verdicts
from survey.db.tables import Unit
from survey.reports.services import build_report, parse_request
from tests.reports.conftest import ELEMENTS, response_rows, unit_path
from tests.support import recount_rollup

TOL = 1e-9
Q3 = ("2026-07", "2026-08", "2026-09")
Q2 = ("2026-04", "2026-05", "2026-06")


def _month(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month)


def row_design(rows, mask: np.ndarray, group: np.ndarray, psu: np.ndarray | None = None) -> Design:
    """Strata = unit-month cells (a cell with one PSU collapsed into the same unit's nearest month inside
    ``group``), weights N/n; respondents as PSUs with fpc = the stratum's dossiers, or ``psu`` (counter-days)
    with fpc = the stratum's n/N."""
    cells = rows.post_stratum[mask]
    group = group[mask]
    names, n = np.unique(cells, return_counts=True)
    size = dict(zip(names.tolist(), n.tolist()))
    psus = size if psu is None else {c: len(set(psu[mask][cells == c].tolist())) for c in names.tolist()}
    group_of = {c: group[cells == c][0] for c in names.tolist()}
    stratum = {name: name for name in names}
    for name in names.tolist():
        if psus[name] != 1:
            continue
        unit, period = name.split("|")
        candidates = [(abs(_month(p) - _month(period)) * 2 + (_month(p) > _month(period)), other)
                      for other in names.tolist() for u, p in [other.split("|")]
                      if u == unit and other != name and group_of[other] == group_of[name]]
        if candidates:
            stratum[name] = min(candidates)[1]
    strata = np.array([stratum[c] for c in cells.tolist()], dtype=object)
    weights = np.array([rows.volumes[c] / size[c] for c in cells.tolist()])
    members = {s: [c for c in names.tolist() if stratum[c] == s] for s in set(strata.tolist())}
    population = {s: sum(rows.volumes[c] for c in cs) for s, cs in members.items()}
    sampled = {s: sum(size[c] for c in cs) for s, cs in members.items()}
    lonely = any(sum(psus[c] for c in cs) == 1 for cs in members.values())
    if psu is None:
        fpc = np.array([population[s] for s in strata.tolist()], float)
        return Design(weights, strata, fpc=fpc, lonely_psu="adjust" if lonely else "fail")
    fpc = np.array([sampled[s] / population[s] for s in strata.tolist()], float)
    return Design(weights, strata, psu[mask], fpc=fpc, lonely_psu="adjust" if lonely else "fail")


def assert_close(report_value, expected) -> None:
    assert report_value == pytest.approx(float(expected), rel=TOL, abs=TOL)


def periods(rows) -> np.ndarray:
    return np.where(np.isin(rows.period, Q3), "cur", np.where(np.isin(rows.period, Q2), "prev", "")).astype(object)


async def test_province_report_equals_row_level_design(demo):
    report = await build_report(parse_request("NB", "2026-Q3"))
    rows = await response_rows()
    in_nb = np.char.startswith(rows.unit_path.astype(str), await unit_path("NB"))
    domain = periods(rows)
    design = row_design(rows, in_nb, domain)
    domain = domain[in_nb]
    items = [rows.satisfied[c][in_nb] for c in ELEMENTS]
    table = design.by(domain).composite(items)
    expected = table["cur"]
    assert_close(report.composite.value, expected.value)
    assert_close(report.composite.se, expected.se)
    assert report.composite.df == expected.df
    low, high = expected.ci(0.95, "beta")
    assert_close(report.composite.lower, low)
    assert_close(report.composite.upper, high)
    assert report.composite.n == int(np.isin(rows.period[in_nb], Q3).sum())

    overall = design.by(domain).proportion(rows.satisfied["overall"][in_nb])["cur"]
    assert_close(report.overall.value, overall.value)
    assert_close(report.overall.se, overall.se)
    for element, column in zip(report.elements, ELEMENTS):
        one = design.by(domain).proportion(rows.satisfied[column][in_nb])["cur"]
        assert_close(element.index.value, one.value)
        assert_close(element.index.se, one.se)

    difference = table.contrast({"cur": 1.0, "prev": -1.0})
    assert_close(report.change.difference, difference.value)
    assert_close(report.change.se, difference.se)

    verdict = target_verdicts(table, TargetRule(tau=0.95))["cur"]
    assert report.composite_verdict.verdict == verdict.verdict
    assert_close(report.composite_verdict.lower_one_sided, verdict.lower)


async def test_subunits_and_trend_equal_row_level_domains(demo):
    report = await build_report(parse_request("NB", "2026-Q3"))
    rows = await response_rows()
    nb_path = await unit_path("NB")
    paths = rows.unit_path.astype(str)
    in_nb = np.char.startswith(paths, nb_path)
    current = np.where(np.isin(rows.period, Q3), "cur", "").astype(object)
    design = row_design(rows, in_nb, current)
    children = {r["path"]: r["code"] for r in await Unit.select(Unit.path, Unit.code).where(
        Unit.parent.code == "NB")}
    child = np.array([next(code for path, code in children.items() if p.startswith(path)) for p in paths[in_nb]])
    in_q3 = np.isin(rows.period[in_nb], Q3)
    table = design.by(np.where(in_q3, child, "")).composite([rows.satisfied[c][in_nb] for c in ELEMENTS])
    by_code = {row.code: row for row in report.subunits}
    assert set(by_code) == set(children.values())
    compared = 0
    for code in children.values():
        if code in table.labels.tolist() and table[code].n >= 30:
            assert_close(by_code[code].composite.value, table[code].value)
            assert_close(by_code[code].composite.se, table[code].se)
            assert by_code[code].n == table[code].n
            compared += 1
        else:
            # Below the minimum sample no figure is shown, only "insufficient data".
            assert by_code[code].composite.value is None and by_code[code].verdict.verdict == "insufficient_data"
    assert compared >= 5

    by_month = rows.period.astype(object)
    months = row_design(rows, in_nb, by_month).by(by_month[in_nb]).composite(
        [rows.satisfied[c][in_nb] for c in ELEMENTS])
    trend = {p.period: p for p in report.trend}
    for month in months.labels.tolist():
        assert_close(trend[month].value, months[month].value)
        low, high = months[month].ci(0.95, "beta")
        assert_close(trend[month].lower, low)


async def test_commune_scope_is_a_domain_of_its_cells(demo):
    """A commune's figures come from its own cells: strata are cells, so the rest of the province does not
    enter its variance."""
    report = await build_report(parse_request("NB-002", "2026-Q3"))
    rows = await response_rows()
    paths = rows.unit_path.astype(str)
    in_commune = np.char.startswith(paths, await unit_path("NB-002"))
    domain = periods(rows)
    expected = row_design(rows, in_commune, domain).by(domain[in_commune]).composite(
        [rows.satisfied[c][in_commune] for c in ELEMENTS])["cur"]
    assert_close(report.composite.value, expected.value)
    assert_close(report.composite.se, expected.se)
    assert report.composite.df == expected.df


async def test_a_month_without_volumes_is_estimated_per_cell_and_marked_provisional(demo):
    from survey.db.tables import DossierVolume

    before = await build_report(parse_request("LC", "2026-07"))
    await DossierVolume.delete().where(DossierVolume.period == "2026-08")
    report = await build_report(parse_request("LC", "2026-Q3"))
    assert 0 < report.provisional_share < 1  # August's responses are a share of the quarter's
    assert report.method.provisional_cells > 0
    assert "tạm tính" in report.method.weighting
    # July keeps its volumes and its figures: a missing month never switches the whole report.
    after = await build_report(parse_request("LC", "2026-07"))
    assert after.composite == before.composite
    assert after.provisional_share == 0


async def test_decision_766_score_sits_beside_the_survey_index(demo):
    from survey.db.tables import Counter, DossierVolume
    from survey.reports import labels

    await DossierVolume.update({DossierVolume.portal_not_satisfied: None}, force=True)
    assert (await build_report(parse_request("NB", "2026-Q3"))).portal is None
    # Portal ratings for every unit-month of every unit with counters, a unit without counters too (ignored).
    served = {c["unit"] for c in await Counter.select(Counter.unit)}
    volumes = await DossierVolume.select(DossierVolume.id, DossierVolume.unit, DossierVolume.dossiers)
    for v in volumes:
        await DossierVolume.update({DossierVolume.portal_not_satisfied: v["dossiers"] // (40 + v["id"] % 5)}).where(
            DossierVolume.id == v["id"])
    unserved = await Unit.select(Unit.id).where(Unit.code == "NB").first()
    await DossierVolume.insert(DossierVolume(unit=unserved["id"], period="2026-08", dossiers=10**6, portal_not_satisfied=10**6))
    report = await build_report(parse_request("NB", "2026-Q3"))
    nb = await unit_path("NB")
    paths = {u["id"]: u["path"] for u in await Unit.select(Unit.id, Unit.path)}
    mine = [v for v in await DossierVolume.select() if v["period"] in Q3 and v["unit"] in served
            and paths[v["unit"]].startswith(nb)]
    dossiers, unhappy = sum(v["dossiers"] for v in mine), sum(v["portal_not_satisfied"] for v in mine)
    assert mine and report.portal is not None
    assert (report.portal.dossiers, report.portal.not_satisfied, report.portal.unit_months) == (dossiers, unhappy, len(mine))
    assert_close(report.portal.value, (dossiers - unhappy) / dossiers)
    # Unrated dossiers count as satisfied: the portal score is far above the survey index here.
    assert report.portal.value > report.composite.value
    line = labels.summary_lines(report)[-1]
    assert "766/QĐ-TTg" in line and labels.percent(report.portal.value) in line
    assert report.to_dict()["portal"]["dossiers"] == dossiers


async def test_empty_period_reports_insufficient_data(demo):
    report = await build_report(parse_request("NB", "2019-03"))
    assert report.composite.value is None
    assert report.composite_verdict.verdict == "insufficient_data"
    assert report.overall_verdict.verdict == "insufficient_data"
    assert all(row.verdict.verdict == "insufficient_data" for row in report.subunits)
    assert report.ranking.rows == [] and report.ranking.note
    assert report.counts.valid == 0


async def test_flagged_responses_are_counted_not_estimated(demo):
    from survey.db.tables import Response

    report = await build_report(parse_request("VN", "2026-04..2026-09"))
    flagged = await Response.count().where(Response.status == "flagged")
    valid = await Response.count().where(Response.status == "valid")
    assert report.counts.flagged == flagged
    assert report.counts.valid == valid == report.composite.n


@pytest.mark.parametrize("dossiers, not_satisfied, unit_months", [(0, 0, 0), (0, 0, 4), (120, 3, 0)])
def test_no_portal_score_without_dossiers_or_unit_months(dossiers, not_satisfied, unit_months):
    from survey.reports.services import portal_score
    from survey.reports.totals_query import PortalCounts

    assert portal_score(PortalCounts(dossiers, not_satisfied, unit_months)) is None


def test_the_portal_score_counts_unrated_dossiers_as_satisfied():
    from survey.reports.services import portal_score
    from survey.reports.totals_query import PortalCounts

    score = portal_score(PortalCounts(dossiers=200, not_satisfied=7, unit_months=3))
    assert score is not None and score.value == pytest.approx(193 / 200)
    assert (score.dossiers, score.not_satisfied, score.unit_months) == (200, 7, 3)


async def test_counter_day_design_equals_row_level_clusters(demo):
    """design=counter-day: counter-days (local time) are the PSUs within cells, fpc as the cell's n/N."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from survey.db.tables import Response

    report = await build_report(parse_request("NB", "2026-Q3", design="counter-day"))
    rows = await response_rows()
    stamps = await Response.select(Response.received_at).where(
        (Response.status == "valid") & (Response.instrument_key == "sipas_qr"))
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    day = np.array([(s["received_at"] if isinstance(s["received_at"], datetime)
                     else datetime.fromisoformat(str(s["received_at"]))).astimezone(zone).date().isoformat()
                    for s in stamps], dtype=object)
    in_nb = np.char.startswith(rows.unit_path.astype(str), await unit_path("NB"))
    psu = np.array([f"{c}|{k}|{d}" for c, k, d in zip(rows.post_stratum, rows.counter, day)], dtype=object)
    design = row_design(rows, in_nb, periods(rows), psu)
    domain = periods(rows)[in_nb]
    expected = design.by(domain).composite([rows.satisfied[c][in_nb] for c in ELEMENTS])["cur"]
    assert report.design == "counter-day"
    assert_close(report.composite.value, expected.value)
    assert_close(report.composite.se, expected.se)
    assert report.composite.df == expected.df


async def test_responses_in_another_month_change_no_figure_of_this_period(demo):
    """Strata are cells: new answers in October leave every Q3 figure exactly as it was."""
    from survey.db.tables import Response

    before = (await build_report(parse_request("NB", "2026-Q3"))).to_dict()
    template = await Response.select().where(Response.period == "2026-09").first()
    extra = []
    for k in range(40):
        row = {key: value for key, value in template.items() if key != "id"}
        row.update(period="2026-10", nonce=f"later-{k}", e1=1 + k % 5, received_at=datetime_in("2026-10-15"))
        extra.append(Response(**row))
    await Response.insert(*extra)
    await recount_rollup()
    after = (await build_report(parse_request("NB", "2026-Q3"))).to_dict()
    for key in ("composite", "overall", "elements", "subunits", "change", "composite_verdict", "ranking"):
        assert after[key] == before[key], key
    assert [p for p in after["trend"] if p["period"] <= "2026-09"] == [p for p in before["trend"] if p["period"] <= "2026-09"]


def datetime_in(day: str):
    from datetime import datetime

    return datetime.fromisoformat(day).replace(hour=3, tzinfo=UTC)


async def test_responses_to_settle_are_estimates_with_the_weeks_they_take(demo):
    """Inconclusive units show the responses their own estimate needs, and the weeks at their pace."""
    import math

    report = await build_report(parse_request("VN", "2026-Q3", centres=True))
    pending = [r for r in report.centres if r.verdict.verdict == "inconclusive"]
    counts = [r.verdict.further_responses for r in pending if r.verdict.further_responses is not None]
    assert counts and len(set(counts)) > 1 and counts.count(1) < len(counts) / 2
    for row in pending:
        if row.verdict.further_responses is None:
            assert row.verdict.reason
            continue
        pace = row.n / (92 / 7)  # Q3 has 92 days, all before the cut-off
        assert row.verdict.weeks == math.ceil(row.verdict.further_responses / pace)
