"""A second version of sipas_qr with another element mapping: each month is scored by its own definition.

Version 2 feeds the access element with two items (the old one and a new ``waiting_sat``). Responses of July
are submitted while version 1 is the published one, those of August after version 2 is published; both go
through the JSON API, which picks the version the counter serves. A report on July follows version 1, on
August version 2; July..August is refused, unless version 2 declares itself comparable with version 1.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

import instruments
import instruments.checks
from survey.accounts.services import create_officer
from survey.core.periods import month_number
from survey.db.tables import Response
from survey.reports import totals_query as query
from survey.reports.definitions import DefinitionsDiffer
from survey.reports.services import build_report, parse_request
from tests.accounts.fixtures import login
from tests.citizen.conftest import client, counter_token, place  # noqa: F401 - fixtures
from tests.support import idempotency_key, recount_rollup

ELEMENTS = ("access", "procedures", "civil_servant", "results", "feedback")
# (access_sat, waiting_sat, procedures_sat, civil_servant_sat, results_sat, feedback_sat, overall_sat)
PATTERN = [(5, 2, 4, 5, 3, None, 4), (4, 5, 5, 4, 4, 5, 5), (2, 4, 3, 5, 5, 4, 3), (5, 3, 4, 2, 4, 5, 4),
           (4, 4, 5, 5, 2, None, 5)]
PER_MONTH = 35


def answers(version: int, n: int) -> list[dict[str, int]]:
    """``n`` submissions; version 2's carry the new item, version 1's cannot (it is not in that version)."""
    result = []
    for k in range(n):
        access, waiting, *others, overall = PATTERN[k % len(PATTERN)]
        # Vary the July and August answers a little so their figures differ beyond the mapping.
        shifted = (access if k % 7 else 3) if version == 1 else access
        row = {"access_sat": shifted, "overall_sat": overall}
        if version == 2:
            row["waiting_sat"] = waiting
        row.update({f"{e}_sat": v for e, v in zip(ELEMENTS[1:], others) if v is not None})
        result.append(row)
    return result


def element_rating(row: dict[str, int], element: str, version: int) -> int | None:
    """The documented rule, written out: the lowest answered item of the element in that version."""
    items = ["access_sat", "waiting_sat"] if (element == "access" and version == 2) else [f"{element}_sat"]
    given = [row[code] for code in items if code in row]
    return min(given) if given else None


def share_satisfied(rows: list[tuple[dict[str, int], int]], element: str) -> float:
    ratings = [element_rating(row, element, version) for row, version in rows]
    rated = [r for r in ratings if r is not None]
    return sum(r >= 4 for r in rated) / len(rated)


def publish_version_2(root: Path, comparable: bool) -> instruments.Instrument:
    """Add sipas_qr version 2 to a copy of the shipped definitions, lock it and serve that folder."""
    shutil.copytree(instruments.checks.DEFAULT_DEFINITIONS, root)
    data = yaml.safe_load((root / "sipas_qr" / "1.yaml").read_text(encoding="utf-8"))
    data["version"] = 2
    position = next(i for i, item in enumerate(data["items"]) if item["code"] == "access_sat") + 1
    data["items"].insert(position, {"code": "waiting_sat", "type": "scale5", "element": "access",
                                    "text": {"vi": "Thời gian chờ đến lượt", "en": "The wait for your turn"}})
    data["index"]["elements"]["access"] = ["access_sat", "waiting_sat"]
    if comparable:
        data["index"]["comparable_with"] = [1]
    (root / "sipas_qr" / "2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    assert instruments.lock_published(root) == [("sipas_qr", 2)]
    instruments.use_definitions(root)
    return instruments.get("sipas_qr")


@pytest.fixture
def shipped_definitions_afterwards():
    yield
    instruments.use_definitions(None)


async def submit_month(client, token: str, version: int, month: str) -> list[dict[str, int]]:  # noqa: F811
    rows = answers(version, PER_MONTH)
    for k, row in enumerate(rows):
        sent = await client.post("/api/v1/responses", headers={"user-agent": f"phone-{month}-{k}"}, json={
            "token": token, "idempotency_key": idempotency_key(f"key-{month}-{k:04d}"), "answers": row})
        assert sent.status_code == 201, sent.text
    # The responses arrived "now" from one test client, which the anti-stuffing layers flag after three: place
    # them in the month they stand for, and accept them as a reviewer would (each stands for a citizen here).
    moment = datetime.fromisoformat(f"{month}-15T03:00:00+00:00").astimezone(UTC)
    await Response.update({Response.period: month, Response.received_at: moment, Response.status: "valid"}).where(
        Response.period.not_in(["2026-07", "2026-08"]))
    await recount_rollup()
    return rows


@pytest.mark.parametrize("comparable", [False, True], ids=["not-declared", "declared-comparable"])
async def test_each_month_is_scored_by_its_own_version(place, client, tmp_path, shipped_definitions_afterwards,  # noqa: F811
                                                       comparable):
    token = await counter_token(place, "NB-001-TT-Q1")
    v1 = instruments.get("sipas_qr")
    assert v1.version == 1
    july = await submit_month(client, token, 1, "2026-07")
    v2 = publish_version_2(tmp_path / "definitions", comparable)
    assert v2.version == 2 and v2.index.fingerprint != v1.index.fingerprint
    august = await submit_month(client, token, 2, "2026-08")

    stored = await Response.select(Response.period, Response.instrument_version, Response.index_fingerprint,
                                   Response.e1).order_by(Response.id)
    assert [(r["period"], r["instrument_version"], r["index_fingerprint"]) for r in stored] == (
        [("2026-07", 1, v1.index.fingerprint)] * PER_MONTH + [("2026-08", 2, v2.index.fingerprint)] * PER_MONTH)
    assert [r["e1"] for r in stored] == ([element_rating(row, "access", 1) for row in july]
                                         + [element_rating(row, "access", 2) for row in august])

    # The cell counts group by version and fingerprint, and read only the definitions asked for.
    strata = await query.strata_of(await query.scope_unit("NB"))
    cells = await query.pattern_counts(strata, "sipas_qr", ["2026-07", "2026-08"], ["e1"], (4, 5))
    assert sorted(set(zip(cells.version.tolist(), cells.fingerprint.tolist(), cells.month.tolist()))) == [
        (1, v1.index.fingerprint, month_number("2026-07")), (2, v2.index.fingerprint, month_number("2026-08"))]
    only_v2 = await query.pattern_counts(strata, "sipas_qr", ["2026-07", "2026-08"], ["e1"], (4, 5),
                                       fingerprints=[v2.index.fingerprint])
    assert set(only_v2.fingerprint.tolist()) == {v2.index.fingerprint} and only_v2.rows.sum() == PER_MONTH

    july_rows, august_rows = [(row, 1) for row in july], [(row, 2) for row in august]
    # Version 2's access element differs from reading its first item only: the test can tell the rules apart.
    assert share_satisfied(august_rows, "access") != share_satisfied([(row, 1) for row in august], "access")

    july_report = await build_report(parse_request("NB", "2026-07"))
    august_report = await build_report(parse_request("NB", "2026-08"))
    for report, rows, version in ((july_report, july_rows, 1), (august_report, august_rows, 2)):
        figures = {element.key: element.index.value for element in report.elements}
        assert figures == {e: pytest.approx(share_satisfied(rows, e), abs=1e-12) for e in ELEMENTS}
        assert report.composite.value == pytest.approx(sum(share_satisfied(rows, e) for e in ELEMENTS) / 5, abs=1e-12)
        assert report.composite.n == PER_MONTH
        assert report.index_fingerprint == instruments.get("sipas_qr", version).index.fingerprint

    if not comparable:
        # August's trend and change leave July out: its ratings mean something else.
        assert august_report.change.previous.value is None
        assert any("2026-07" in note for note in august_report.notes)
        with pytest.raises(DefinitionsDiffer) as refused:
            await build_report(parse_request("NB", "2026-07..2026-08"))
        message = str(refused.value)
        assert "phiên bản 1 (2026-07)" in message and "phiên bản 2 (2026-08)" in message
        assert "version 1 (2026-07)" in message and "version 2 (2026-08)" in message
        assert "sipas_qr" in message and "không khai báo" in message and "does not declare" in message
        # Officers get the same refusal as a 400, never a 500.
        await create_officer("admin", "admin-password-1", "admin", "VN")
        assert (await login(client, "admin", "admin-password-1")).status_code == 303
        page = await client.get("/officer/reports/report.json", params={"scope": "NB", "period": "2026-07..2026-08"})
        assert page.status_code == 400 and page.json()["detail"] == message
        return
    assert august_report.change.previous.value == pytest.approx(july_report.composite.value, abs=1e-12)
    assert not august_report.notes
    pooled = await build_report(parse_request("NB", "2026-07..2026-08"))
    both = july_rows + august_rows
    assert pooled.index_versions == [1, 2]
    assert {e.key: e.index.value for e in pooled.elements} == {
        e: pytest.approx(share_satisfied(both, e), abs=1e-12) for e in ELEMENTS}
    assert pooled.composite.n == 2 * PER_MONTH
