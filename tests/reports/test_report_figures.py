"""Report figures from the SQL cluster totals equal the row-level ``stats.Design`` computation."""

from __future__ import annotations

import numpy as np
import pytest

from stats import Design
from stats.target import TargetRule, target_verdicts
from survey.db.tables import Unit
from survey.reports.services import build_report, parse_request
from tests.reports.conftest import ELEMENTS, response_rows, unit_path

TOL = 1e-9
Q3 = ("2026-07", "2026-08", "2026-09")
Q2 = ("2026-04", "2026-05", "2026-06")


def row_design(rows, strata_filter: np.ndarray) -> Design:
    """Every unit-month post-stratified to its dossier volume, as R's postStratify on the rows."""
    design = Design(np.ones(strata_filter.sum()), rows.stratum[strata_filter], rows.counter[strata_filter],
                    lonely_psu="adjust")
    cells = rows.post_stratum[strata_filter]
    return design.poststratify(cells, {cell: rows.volumes[cell] for cell in set(cells.tolist())})


def assert_close(report_value, expected) -> None:
    assert report_value == pytest.approx(float(expected), rel=TOL, abs=TOL)


async def test_province_report_equals_row_level_design(demo):
    report = await build_report(parse_request("NB", "2026-Q3"))
    rows = await response_rows()
    nb = rows.unit_path.astype(str)
    in_nb = np.char.startswith(nb.astype(str), await unit_path("NB"))
    design = row_design(rows, in_nb)
    period = rows.period[in_nb]
    domain = np.where(np.isin(period, Q3), "cur", np.where(np.isin(period, Q2), "prev", "other"))
    items = [rows.satisfied[c][in_nb] for c in ELEMENTS]
    table = design.by(domain).composite(items)
    expected = table["cur"]
    assert_close(report.composite.value, expected.value)
    assert_close(report.composite.se, expected.se)
    assert report.composite.df == expected.df
    low, high = expected.ci(0.95, "beta")
    assert_close(report.composite.lower, low)
    assert_close(report.composite.upper, high)
    assert report.composite.n == int(np.isin(period, Q3).sum())

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
    design = row_design(rows, in_nb)
    children = {r["path"]: r["code"] for r in await Unit.select(Unit.path, Unit.code).where(
        Unit.parent.code == "NB")}
    child = np.array([next(code for path, code in children.items() if p.startswith(path)) for p in paths[in_nb]])
    in_q3 = np.isin(rows.period[in_nb], Q3)
    table = design.by(np.where(in_q3, child, "")).composite([rows.satisfied[c][in_nb] for c in ELEMENTS])
    by_code = {row.code: row for row in report.subunits}
    assert set(by_code) == set(children.values())
    compared = 0
    for code in children.values():
        if code in table.labels.tolist():
            assert_close(by_code[code].composite.value, table[code].value)
            assert_close(by_code[code].composite.se, table[code].se)
            assert by_code[code].n == table[code].n
            compared += 1
        else:
            assert by_code[code].composite.value is None and by_code[code].verdict.verdict == "insufficient_data"
    assert compared >= 5

    months = design.by(rows.period[in_nb]).composite([rows.satisfied[c][in_nb] for c in ELEMENTS])
    trend = {p.period: p for p in report.trend}
    for month in months.labels.tolist():
        assert_close(trend[month].value, months[month].value)
        low, high = months[month].ci(0.95, "beta")
        assert_close(trend[month].lower, low)


async def test_commune_scope_is_a_domain_of_its_whole_province(demo):
    """A commune is estimated inside its province's design: the variance uses every counter of NB."""
    report = await build_report(parse_request("NB-002", "2026-Q3"))
    rows = await response_rows()
    paths = rows.unit_path.astype(str)
    in_nb = np.char.startswith(paths, await unit_path("NB"))
    in_commune = np.char.startswith(paths[in_nb], await unit_path("NB-002"))
    domain = np.where(in_commune & np.isin(rows.period[in_nb], Q3), "cur", "other")
    expected = row_design(rows, in_nb).by(domain).composite([rows.satisfied[c][in_nb] for c in ELEMENTS])["cur"]
    assert_close(report.composite.value, expected.value)
    assert_close(report.composite.se, expected.se)
    assert report.composite.df == expected.df


async def test_without_volumes_the_weights_are_one_and_the_report_says_so(demo):
    from survey.db.tables import DossierVolume

    await DossierVolume.delete().where(DossierVolume.period == "2026-08")
    report = await build_report(parse_request("LC", "2026-Q3"))
    rows = await response_rows()
    in_lc = np.char.startswith(rows.unit_path.astype(str), await unit_path("LC"))
    domain = np.where(np.isin(rows.period[in_lc], Q3), "cur", "other")
    unweighted = Design(np.ones(in_lc.sum()), rows.stratum[in_lc], rows.counter[in_lc], lonely_psu="adjust")
    expected = unweighted.by(domain).composite([rows.satisfied[c][in_lc] for c in ELEMENTS])["cur"]
    assert_close(report.composite.value, expected.value)
    assert not report.method.weighted
    assert report.method.missing_volumes > 0
    assert "w = 1" in report.method.weighting


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
