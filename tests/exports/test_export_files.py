"""Exports read back independently: k-anonymity, no free text or timestamps, pseudonyms, and the index."""

from __future__ import annotations

import json
import re
from collections import Counter as Multiset

import numpy as np
import pytest

import instruments
from stats import Design
from survey.db.tables import Answer, AuditLog, Counter, DossierVolume, Response, Unit
from survey.exports.disclosure import CannotAnonymise
from survey.exports.services import ExportRequest, run_export
from tests.exports.conftest import MONTHS, TINY_CENTRE, add_responses
from tests.exports.readback import QUASI_IDENTIFIERS, class_sizes, number, read_rows

ELEMENTS = ("access_sat", "procedures_sat", "civil_servant_sat", "results_sat", "feedback_sat")


async def export(tmp_path, name="out", **settings):
    request = ExportRequest(**{"scope": "VN", "period": "2026-Q3", **settings})
    return await run_export(request, tmp_path / name, actor="tester")


def data_file(result):
    return next(p for p in result.files if not p.name.endswith((".json", ".md")))


def satisfied(values) -> np.ndarray:
    values = np.array([number(v) for v in values])
    return np.where(np.isnan(values), np.nan, (values >= 4).astype(float))


async def database_design(shown_units: set[str], shown_periods: set[str]):
    """The index computed straight from the database rows, weights made by post-stratifying in stats on the
    cells the file writes: each response's unit shown as its nearest unit (itself or above) the file names,
    and its month, or the one period the file shows when it shows no months."""
    if not shown_periods <= set(MONTHS):
        (whole,) = shown_periods
    period = (lambda month: month) if shown_periods <= set(MONTHS) else (lambda month: whole)
    rows = await Response.select(Response.unit, Response.period, Response.stratum, Response.counter,
                                 Response.e1, Response.e2, Response.e3, Response.e4, Response.e5).where(
        (Response.status == "valid") & Response.period.is_in(list(MONTHS)))
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.path)}

    def shown(unit: int) -> str:
        ancestors = [int(part) for part in units[unit]["path"].strip("/").split("/") if part] + [unit]
        return next(units[a]["code"] for a in reversed(ancestors) if a in units and units[a]["code"] in shown_units)

    answered = {(r["unit"], r["period"]) for r in rows}
    totals: dict[str, float] = {}
    for v in await DossierVolume.select():
        if (v["unit"], v["period"]) in answered:
            cell = f"{shown(v['unit'])}|{period(v['period'])}"
            totals[cell] = totals.get(cell, 0) + v["dossiers"]
    cell = np.array([f"{shown(r['unit'])}|{period(r['period'])}" for r in rows])
    design = Design(np.ones(len(rows)), strata=np.array([r["stratum"] for r in rows]),
                    clusters=np.array([r["counter"] for r in rows]))
    calibrated = design.poststratify(cell, totals)
    items = [np.array([np.nan if r[c] is None else float(r[c] >= 4) for r in rows]) for c in ("e1", "e2", "e3", "e4", "e5")]
    return calibrated, items


def file_design(rows):
    design = Design(np.array([float(r["weight"]) for r in rows]), strata=np.array([r["stratum"] for r in rows]),
                    clusters=np.array([r["cluster"] for r in rows]))
    return design, [satisfied([r[c] for r in rows]) for c in ELEMENTS]


async def test_csv_is_k_anonymous_without_text_or_timestamps(survey_data, tmp_path):
    result = await export(tmp_path, k=5)
    rows = read_rows(data_file(result))
    assert len(rows) == survey_data["valid"]
    sizes = class_sizes(rows, QUASI_IDENTIFIERS)
    assert min(sizes.values()) >= 5
    assert "comment" not in rows[0]
    timestamp = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}")
    assert not any(timestamp.search(str(value)) for row in rows for value in row.values() if value is not None)
    codes = {u["code"] for u in await Unit.select(Unit.code)} | {c["code"] for c in await Counter.select(Counter.code)}
    ids = {str(u["id"]) for u in await Unit.select(Unit.id)} | {str(c["id"]) for c in await Counter.select(Counter.id)}
    pseudonyms = {row["stratum"] for row in rows} | {row["cluster"] for row in rows}
    assert not pseudonyms & (codes | ids)
    counters = {r["counter"] for r in await Response.select(Response.counter).where(Response.status == "valid")}
    assert len({row["cluster"] for row in rows}) == len(counters)
    assert TINY_CENTRE not in {row["unit"] for row in rows}
    report = json.loads(next(p for p in result.files if p.name.endswith(".json")).read_text())["disclosure"]
    assert report["achieved_k"] == min(sizes.values())
    assert report["units_merged_upward"] >= 1
    assert report["risk_after"]["share_below_k"] == 0.0
    assert report["risk_before"]["share_below_k"] > 0.0


async def test_exported_design_reproduces_the_index_from_the_database(survey_data, tmp_path):
    rows = read_rows(data_file(await export(tmp_path, grain="month")))
    design, items = file_design(rows)
    reference, reference_items = await database_design({r["unit"] for r in rows}, {r["period"] for r in rows})
    for mine, theirs in zip(items, reference_items):
        assert design.proportion(mine).value == pytest.approx(reference.proportion(theirs).value, abs=1e-9)
    assert design.composite(items).value == pytest.approx(reference.composite(reference_items).value, abs=1e-9)
    # Post-stratified weights add up to the dossiers of every unit-month that has responses.
    answered = {(r["unit"], r["period"]) for r in await Response.select(Response.unit, Response.period).where(
        Response.status == "valid")}
    dossiers = sum(v["dossiers"] for v in await DossierVolume.select() if (v["unit"], v["period"]) in answered)
    assert sum(float(r["weight"]) for r in rows) == pytest.approx(dossiers, rel=1e-12)


async def test_exported_design_reproduces_the_published_report(survey_data, tmp_path):
    from survey.reports.services import build_report, parse_request

    # The report post-stratifies on unit-months; the file on the cells it writes (a small unit merged into the
    # one above, months into a quarter), so that its weights do not give the month away: estimates close to
    # the report's, not equal to them (test_no_released_column_undoes_the_generalisation).
    rows = read_rows(data_file(await export(tmp_path)))
    design, items = file_design(rows)
    report = await build_report(parse_request("VN", "2026-Q3"))
    assert design.composite(items).value == pytest.approx(report.composite.value, abs=0.01)
    for element, values in zip(report.elements, items):
        assert design.proportion(values).value == pytest.approx(element.index.value, abs=0.02)


async def test_rows_are_not_in_the_order_they_arrived(survey_data, tmp_path):
    arrived = [r["e1"] for r in await Response.select(Response.e1).where(
        (Response.status == "valid") & Response.period.is_in(list(MONTHS))).order_by(Response.id)]
    files = []
    for name in ("one", "two"):
        result = await run_export(ExportRequest(scope="VN", period="2026-Q3"), tmp_path / name, actor="tester",
                                  batch_size=64)
        files.append([None if r["access_sat"] is None else int(r["access_sat"]) for r in read_rows(data_file(result))])
        assert "random" in json.loads(next(p for p in result.files if p.name.endswith(".json")).read_text())[
            "disclosure"]["row_order"]
    first, second = files
    assert Multiset(first) == Multiset(second) == Multiset(arrived)
    # 600 ratings from five values: an unchanged order is a one in astronomically many chance.
    assert first != arrived and second != arrived and first != second
    # The rows that arrived first are not written first either.
    assert first[:64] != arrived[:64]


async def test_pseudonyms_differ_between_exports(survey_data, tmp_path):
    first = read_rows(data_file(await export(tmp_path, "one")))
    second = read_rows(data_file(await export(tmp_path, "two")))
    assert not {r["cluster"] for r in first} & {r["cluster"] for r in second}
    assert not {r["stratum"] for r in first} & {r["stratum"] for r in second}
    # Stable within one export: each cluster lies in exactly one stratum.
    assert all(len({r["stratum"] for r in first if r["cluster"] == c}) == 1 for c in {r["cluster"] for r in first})


@pytest.mark.parametrize("file_format", ["parquet", "sav", "dta"])
async def test_binary_formats_read_back_with_labels(survey_data, tmp_path, file_format):
    result = await export(tmp_path, format=file_format, k=3)
    path = data_file(result)
    rows = read_rows(path)
    assert len(rows) == survey_data["valid"]
    assert min(class_sizes(rows, QUASI_IDENTIFIERS).values()) >= 3
    csv_rows = read_rows(data_file(await export(tmp_path, "csv", k=3)))
    assert sorted(number(r["access_sat"]) for r in rows) == sorted(number(r["access_sat"]) for r in csv_rows)
    if file_format != "parquet":
        import pyreadstat

        _, meta = (pyreadstat.read_sav if file_format == "sav" else pyreadstat.read_dta)(str(path), metadataonly=True, output_format="dict")
        labels = {int(code): text for code, text in meta.variable_value_labels["access_sat"].items()}
        assert labels[5] == "Rất hài lòng" and labels[1] == "Rất không hài lòng"


async def test_kept_text_is_scrubbed(survey_data, tmp_path):
    rows = read_rows(data_file(await export(tmp_path, keep_text=True, k=3)))
    comments = [r["comment"] for r in rows if r["comment"]]
    assert comments
    joined = " ".join(comments)
    for personal in ("Lan", "Hùng", "0912", "345 678", "citizen.one", "@", "001203004567"):
        assert personal not in joined
    assert "Phòng chờ hơi chật" in joined


async def test_demographic_items_are_k_anonymous(db, tmp_path):
    from tests.exports.conftest import add_volumes, build_tree

    await build_tree()
    await add_volumes({"P1-01-TT": 900, "P1-02-TT": 400, "P2-01-TT": 700, TINY_CENTRE: 50})
    await add_responses(500, instrument_key="sipas_full", seed=3)
    result = await export(tmp_path, instrument="sipas_full", k=5)
    rows = read_rows(data_file(result))
    demographics = instruments.get("sipas_full").quasi_identifiers()
    assert demographics
    report = result.disclosure
    kept = [name for name in demographics if name in rows[0]]
    assert min(class_sizes(rows, (*QUASI_IDENTIFIERS, *kept)).values()) >= 5
    assert report["achieved_k"] >= 5
    assert set(report["quasi_identifiers"]) >= set(demographics)
    # A k the demographic items cannot meet: they are dropped from the file, and the rest still holds.
    strict = await export(tmp_path, "strict", instrument="sipas_full", k=60)
    assert set(demographics) <= set(strict.disclosure["generalisation"]["dropped"])
    strict_rows = read_rows(data_file(strict))
    assert not set(demographics) & set(strict_rows[0])
    assert len(strict_rows) == len(rows)
    assert min(class_sizes(strict_rows, QUASI_IDENTIFIERS).values()) >= 60


async def test_period_grain_and_coarsening(survey_data, tmp_path):
    rows = read_rows(data_file(await export(tmp_path, grain="month", k=2)))
    periods = {r["period"] for r in rows}
    assert periods <= {*MONTHS, "2026-Q3"}
    yearly = read_rows(data_file(await export(tmp_path, "y", grain="year")))
    assert {r["period"] for r in yearly} == {"2026"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"scope": "NOWHERE"}, "unknown unit"),
    ({"k": 1}, "k must be"),
    ({"period": "2026-13"}, "period"),
    ({"period": "2026-Q3", "grain": "week"}, "grain"),
    ({"format": "xlsx"}, "format"),
    ({"period": "2025"}, "no valid responses"),
])
async def test_bad_requests_write_nothing(survey_data, tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        await export(tmp_path, **changes)
    assert not (tmp_path / "out").exists()
    refused = await AuditLog.select().where(AuditLog.action == "export.refused")
    assert len(refused) == 1 and refused[0]["actor"] == "tester"


async def test_unreachable_k_writes_nothing(survey_data, tmp_path):
    with pytest.raises(CannotAnonymise, match="fewer than k"):
        await export(tmp_path, k=survey_data["valid"] + 1)
    assert not (tmp_path / "out").exists()


async def test_every_export_is_audited(survey_data, tmp_path):
    await export(tmp_path, k=7, keep_text=True)
    entries = await AuditLog.select().where(AuditLog.action == "export")
    assert len(entries) == 1
    detail = entries[0]["detail"]
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert entries[0]["actor"] == "tester" and entries[0]["target"] == "VN"
    assert detail["settings"]["k"] == 7 and detail["settings"]["keep_text"] is True
    assert detail["rows"] == survey_data["valid"]


async def test_rows_carry_the_stored_answers_whatever_the_batch_size(db, tmp_path):
    from tests.exports.conftest import add_volumes, build_tree

    await build_tree()
    await add_volumes({"P1-01-TT": 900, "P1-02-TT": 400, "P2-01-TT": 700, TINY_CENTRE: 50})
    await add_responses(400, instrument_key="sipas_full", seed=5)
    settings = {"instrument": "sipas_full", "k": 3, "keep_text": True}
    whole = read_rows(data_file(await export(tmp_path, "whole", **settings)))
    request = ExportRequest(scope="VN", period="2026-Q3", **settings)
    pieces = read_rows(data_file(await run_export(request, tmp_path / "pieces", actor="tester", batch_size=7)))

    def without_pseudonyms(rows):
        return Multiset(tuple((k, v) for k, v in row.items() if k not in ("stratum", "cluster")) for row in rows)

    assert without_pseudonyms(pieces) == without_pseudonyms(whole)
    assert len({r["cluster"] for r in pieces}) == len({r["cluster"] for r in whole}) > 1
    # Every coded item equals the stored answer: compare the multiset of answer tuples with the database's.
    instrument = instruments.get("sipas_full")
    on_row = dict(zip([e.item_codes[0] for e in instrument.index_definition().elements if len(e.item_codes) == 1],
                      ("e1", "e2", "e3", "e4", "e5")))
    on_row[instrument.index_definition().overall_item] = "overall"
    coded = [item.code for item in instrument.items if item.coded and item.code not in instrument.quasi_identifiers()]
    stored = await Response.select(Response.id, Response.e1, Response.e2, Response.e3, Response.e4, Response.e5,
                                   Response.overall).where((Response.status == "valid") & Response.period.is_in(list(MONTHS)))
    answers = {}
    for row in await Answer.select(Answer.response, Answer.item_code, Answer.value_num).where(Answer.value_num.is_not_null()):
        answers[(row["response"], row["item_code"])] = row["value_num"]
    expected = Multiset(tuple(row[on_row[code]] if code in on_row else answers.get((row["id"], code)) for code in coded)
                       for row in stored)
    written = Multiset(tuple(None if r[code] is None else int(r[code]) for code in coded) for r in whole)
    assert written == expected


async def test_reading_in_a_process_of_its_own_writes_the_same_rows(survey_data, tmp_path, monkeypatch):
    from survey.exports import source

    here = read_rows(data_file(await export(tmp_path, "here", k=3)))
    monkeypatch.setattr(source, "READ_IN_A_PROCESS_FROM", 0)
    there = read_rows(data_file(await export(tmp_path, "there", k=3)))

    def without_pseudonyms(rows):
        return [tuple((k, v) for k, v in row.items() if k not in ("stratum", "cluster")) for row in rows]

    # Rows are written in a random order: the same rows, and clusters of the same sizes under other pseudonyms.
    assert Multiset(without_pseudonyms(there)) == Multiset(without_pseudonyms(here))
    assert sorted(Multiset(r["cluster"] for r in there).values()) == sorted(Multiset(r["cluster"] for r in here).values())


# Every column an export releases besides the answers themselves: an intruder may know any of them.
RELEASED_DESIGN_COLUMNS = (*QUASI_IDENTIFIERS, "unit_level", "weight", "stratum", "status")


@pytest.mark.parametrize("options", [{"grain": "quarter"}, {"k": 5}, {"grain": "year", "k": 3}])
async def test_no_released_column_undoes_the_generalisation(survey_data, tmp_path, options):
    """The weight was dossiers ÷ responses of a unit-month: unique per month, so it told the month of a
    row whose period was generalised to a quarter, and singled out a month's only answer. Weights are now
    calibrated on the written unit and period, and k holds over every released design column."""
    k = options.get("k", 5)
    rows = read_rows(data_file(await export(tmp_path, **options)))
    weights_per_cell: dict[tuple, set] = {}
    for row in rows:
        weights_per_cell.setdefault((row["unit"], row["period"]), set()).add(row["weight"])
    assert all(len(weights) == 1 for weights in weights_per_cell.values()), weights_per_cell
    assert min(class_sizes(rows, RELEASED_DESIGN_COLUMNS).values()) >= k
    # Still post-stratified: the weights of a written cell add up to the dossiers of its unit-months.
    answered = {(r["unit"], r["period"]) for r in await Response.select(Response.unit, Response.period).where(
        Response.status == "valid")}
    assert sum(float(r["weight"]) for r in rows) == pytest.approx(
        sum(v["dossiers"] for v in await DossierVolume.select() if (v["unit"], v["period"]) in answered), rel=1e-9)


async def test_suppressed_and_not_answered_read_back_differently_in_every_format(db, tmp_path):
    """Local suppression wrote the missing value, the one that means "not answered": a researcher could not
    tell a blank left by the respondent from one made by disclosure control. Suppressed is now -1 (with a value
    label in SPSS and Stata), not answered stays missing, and k holds with the two counted apart."""
    import pyreadstat

    from tests.exports.conftest import add_volumes, build_tree

    await build_tree()
    await add_volumes({"P1-01-TT": 900, "P1-02-TT": 400, "P2-01-TT": 700, TINY_CENTRE: 50})
    await add_responses(800, instrument_key="sipas_full", seed=11)
    # A quarter of the respondents left their gender blank.
    answers = await Answer.select(Answer.id).where(Answer.item_code == "gender").order_by(Answer.id)
    await Answer.delete().where(Answer.id.is_in([a["id"] for a in answers[::4]]))
    settings = {"instrument": "sipas_full", "k": 3, "grain": "quarter", "max_suppression": 0.6}
    demographics = instruments.get("sipas_full").quasi_identifiers()
    for file_format in ("csv", "parquet", "sav", "dta"):
        result = await export(tmp_path, file_format, format=file_format, **settings)
        rows = read_rows(data_file(result))
        assert "gender" in rows[0], result.disclosure["generalisation"]
        genders = Multiset(None if r["gender"] is None else int(float(r["gender"])) for r in rows)
        assert genders[-1] > 0 and genders[None] > 0, (file_format, genders)
        # k over every released column, "suppressed" and "not answered" as two values.
        released = (*RELEASED_DESIGN_COLUMNS, *demographics)
        assert min(class_sizes(rows, released).values()) >= 3
        assert result.disclosure["achieved_k"] >= 3
        book = json.loads(next(p for p in result.files if p.name.endswith(".json")).read_text())
        assert book["missing_values"]["suppressed"]["code"] == -1
        assert "not_answered" in book["missing_values"]
        entry = next(v for v in book["variables"] if v["name"] == "gender")
        assert any(v["code"] == -1 for v in entry["values"])
        markdown = next(p for p in result.files if p.name.endswith(".md")).read_text()
        assert "Not answered" in markdown and "Suppressed, code -1" in markdown
        if file_format in ("sav", "dta"):
            _, meta = (pyreadstat.read_sav if file_format == "sav" else pyreadstat.read_dta)(
                str(data_file(result)), metadataonly=True)
            labels = meta.variable_value_labels["gender"]
            assert labels[-1].startswith("Bị ẩn") and -1 not in meta.missing_user_values.get("gender", [])
