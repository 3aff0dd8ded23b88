"""The report's numbers equal R's survey on the report's own rows (fixtures/make_report_fixtures.R).

The fixture holds the test demo's rows of province NB and R's figures for them under both designs,
with R's own collapsing of single-PSU cells; the test rebuilds the demo, checks that it still yields
exactly those rows, and compares every figure of the report to 1e-6 (relative).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from survey.reports.services import build_report, parse_request
from tests.reports.fixtures.make_report_rows import COLUMNS, demo_rows

FIXTURES = Path(__file__).parent / "fixtures"
REL = 1e-6


def _read(name: str) -> list[dict[str, str]]:
    with open(FIXTURES / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> float | None:
    return None if text in ("", "NA") else float(text)


async def test_the_demo_still_yields_the_fixture_rows(demo):
    rows = [{c: str(row[c]) for c in COLUMNS} for row in await demo_rows()]
    assert rows == _read("rows.csv")


@pytest.mark.parametrize("design", ["cell", "counter-day"])
async def test_report_equals_r_on_its_rows(demo, design):
    report = await build_report(parse_request("NB", "2026-Q3", design=design))
    expected = {(r["case"], r["label"]): r for r in _read("results.csv") if r["design"] == design}

    def check(figure, case: str, label: str = "NB") -> None:
        r = expected[(case, label)]
        assert figure.value == pytest.approx(float(r["value"]), rel=REL), (case, label)
        assert figure.se == pytest.approx(float(r["se"]), rel=REL, abs=1e-12), (case, label)
        assert figure.df == float(r["df"]) and figure.n == int(r["n"]), (case, label)
        if (low := _number(r["ci_low"])) is not None:
            assert figure.lower == pytest.approx(low, rel=REL) and figure.upper == pytest.approx(float(r["ci_high"]), rel=REL)

    check(report.composite, "composite")
    check(report.overall, "overall")
    for element in report.elements:
        check(element.index, element.key.replace("element", "e") if element.key.startswith("element") else
              f"e{report.elements.index(element) + 1}")
    shown = [row for row in report.subunits if row.composite.value is not None]
    assert len(shown) >= 4
    for row in shown:
        check(row.composite, "subunit", row.code)
    change = expected[("change", "NB")]
    assert report.change.difference == pytest.approx(float(change["value"]), rel=REL)
    assert report.change.se == pytest.approx(float(change["se"]), rel=REL)
