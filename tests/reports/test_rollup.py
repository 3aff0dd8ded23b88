"""Every report is computed from the rollup, and its numbers are those the response rows give.

The reference is the row query the reports ran before the rollup (``row_pattern_counts`` and
``row_counter_day_counts``): each test computes the same report both ways on the same database, after the
writes that must keep the rollup in step (demo load, concurrent submissions, review decisions, the day
cut-off), and ``check`` recounts the whole rollup from the rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from survey.accounts.guards import CurrentOfficer
from survey.admin.review import review_response
from survey.core.responses import ResponseStatus
from survey.db.tables import Response, ResponseCell
from survey.reports import totals_query as query
from survey.reports.cache import cached_report
from survey.reports.services import Clock, build_report, parse_request
from survey.rollup.cells import SOURCE_COLUMNS
from survey.rollup.maintain import add_rows, check, status_changed
from tests.citizen.conftest import client, counter_token, place  # noqa: F401 - fixtures
from tests.support import idempotency_key

TZ = "Asia/Ho_Chi_Minh"


@pytest.fixture
def rows_reference(monkeypatch):
    """Switches the report to the row queries for the block that uses it."""

    class Switch:
        def __init__(self) -> None:
            self.saved = (query.pattern_counts, query.counter_day_counts)

        def __enter__(self) -> None:
            monkeypatch.setattr(query, "pattern_counts", query.row_pattern_counts)
            monkeypatch.setattr(query, "counter_day_counts", query.row_counter_day_counts)

        def __exit__(self, *exc: object) -> None:
            monkeypatch.setattr(query, "pattern_counts", self.saved[0])
            monkeypatch.setattr(query, "counter_day_counts", self.saved[1])

    return Switch()


def same(a: object, b: object, path: str = "report") -> None:
    """Equal, floats to 1e-9: the rollup returns the same counts in another order, so sums of floats may
    differ in the last bits."""
    if isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def numbers(report) -> dict:
    return {k: v for k, v in report.to_dict().items() if k != "generated_at"}


async def both_ways(rows_reference, scope: str, period: str, clock: Clock | None = None, **options) -> tuple[dict, dict]:
    request = parse_request(scope, period, **options)
    from_rollup = numbers(await build_report(request, timezone=TZ, clock=clock))
    with rows_reference:
        from_rows = numbers(await build_report(request, timezone=TZ, clock=clock))
    return from_rollup, from_rows


async def assert_check_clean() -> None:
    result = await check(TZ)
    assert not result.differences, [str(d) for d in result.differences[:5]]
    assert result.pattern_rows > 0 and result.counter_day_rows > 0


@pytest.mark.parametrize("scope, period, design", [
    ("VN", "2026-Q3", "cell"), ("NB", "2026-Q3", "cell"), ("NB", "2026-07..2026-09", "counter-day"),
    ("VN", "2026-08", "counter-day"),
])
async def test_reports_from_the_rollup_equal_reports_from_the_rows(demo, rows_reference, scope, period, design):
    await assert_check_clean()
    from_rollup, from_rows = await both_ways(rows_reference, scope, period, design=design, centres=True)
    assert from_rollup["composite"]["n"] > 0
    same(from_rollup, from_rows)


async def flag(count: int) -> list[dict]:
    """``count`` valid August responses turned flagged, as the writer would have stored them."""
    from survey.db.engine import write_transaction

    chosen = await Response.select(Response.id).where(
        Response.status == ResponseStatus.VALID, Response.period == "2026-08").order_by(Response.id).limit(count)
    ids = [row["id"] for row in chosen]
    async with write_transaction():
        await Response.update({Response.status: ResponseStatus.FLAGGED}).where(Response.id.is_in(ids))
        await status_changed(ids, ResponseStatus.VALID, TZ)
    return chosen


async def test_review_decisions_move_the_rollup_and_the_figures(demo, rows_reference):
    flagged = await flag(2)
    before, _ = await both_ways(rows_reference, "VN", "2026-Q3")
    admin = CurrentOfficer(id=0, username="kiemtra", full_name="", role="admin", unit_id=None, unit_code=None,
                           unit_path="/")
    await review_response(admin, flagged[0]["id"], "valid")
    await review_response(admin, flagged[1]["id"], "excluded")
    await assert_check_clean()
    from_rollup, from_rows = await both_ways(rows_reference, "VN", "2026-Q3")
    same(from_rollup, from_rows)
    assert from_rollup["counts"]["flagged"] == before["counts"]["flagged"] - 2
    assert from_rollup["counts"]["valid"] == before["counts"]["valid"] + 1
    assert from_rollup["counts"]["excluded"] == before["counts"]["excluded"] + 1


async def test_concurrent_submissions_are_each_counted_once(place, client, rows_reference):  # noqa: F811
    token = await counter_token(place, "NB-001-TT-Q1")
    answers = [{"access_sat": 1 + k % 5, "procedures_sat": 5 - k % 3, "overall_sat": 4} for k in range(60)]

    async def send(k: int) -> int:
        sent = await client.post("/api/v1/responses", headers={"user-agent": f"phone-{k}"}, json={
            "token": token, "idempotency_key": idempotency_key(f"concurrent-{k:03d}"), "answers": answers[k]})
        return sent.status_code

    assert set(await asyncio.gather(*(send(k) for k in range(60)))) == {201}
    # The same keys again (a retried request) add nothing.
    assert set(await asyncio.gather(*(send(k) for k in range(0, 60, 7)))) == {201}
    await assert_check_clean()
    month = datetime.now(ZoneInfo(TZ)).strftime("%Y-%m")
    stored = await ResponseCell.raw("SELECT SUM(n) AS n FROM response_cell")
    assert int(stored[0]["n"]) == await Response.count() == 60
    clock = Clock(datetime.now(ZoneInfo(TZ)).date(), include_today=True)
    from_rollup, from_rows = await both_ways(rows_reference, "NB", month, clock)
    same(from_rollup, from_rows)
    assert sum(from_rollup["counts"].values()) == 60


async def test_the_day_cut_off_is_exact(place, rows_reference):  # noqa: F811
    """Answers one second before and at local midnight fall on either side of the default cut-off."""
    import instruments

    today = datetime.now(ZoneInfo(TZ)).date()
    midnight = datetime.combine(today, datetime.min.time(), ZoneInfo(TZ))
    fingerprint = instruments.get("sipas_qr").index_definition().fingerprint
    counter, unit, stratum = place.counter_ids["NB-001-TT-Q1"], place.unit_ids["NB-001-TT"], place.unit_ids["NB"]
    moments = [midnight - timedelta(seconds=1)] * 7 + [midnight] * 5 + [midnight - timedelta(days=1)] * 3
    rows = [Response(instrument_key="sipas_qr", instrument_version=1, counter=counter, unit=unit, stratum=stratum,
                     received_at=moment.astimezone(UTC), period=moment.strftime("%Y-%m"), status="valid",
                     nonce=f"cut-{k}", e1=4 + k % 2, e2=3, e3=5, e4=None, e5=2, overall=4, index_fingerprint=fingerprint)
            for k, moment in enumerate(moments)]
    from survey.db.engine import write_transaction

    async with write_transaction():
        await Response.insert(*rows)
        await add_rows([{c: getattr(r, c) for c in SOURCE_COLUMNS} for r in rows], TZ)
    await assert_check_clean()
    months = sorted({m.strftime("%Y-%m") for m in moments})
    strata = [stratum]
    items = ("e1", "e2", "e3", "e4", "overall")
    for include_today, expected in ((False, 10), (True, 15)):
        cutoff = Clock(today, include_today).cutoff(TZ)
        read = await query.pattern_counts(strata, "sipas_qr", months, items, (4, 5), cutoff)
        reference = await query.row_pattern_counts(strata, "sipas_qr", months, items, (4, 5), cutoff)
        assert read.rows.sum() == reference.rows.sum() == expected
        assert sorted(zip(read.month.tolist(), read.pattern.tolist(), read.rows.tolist())) == sorted(
            zip(reference.month.tolist(), reference.pattern.tolist(), reference.rows.tolist()))
        days = await query.counter_day_counts(strata, "sipas_qr", months, items, (4, 5), TZ, cutoff)
        day_reference = await query.row_counter_day_counts(strata, "sipas_qr", months, items, (4, 5), TZ, cutoff)
        assert sorted(days.day.tolist()) == sorted(day_reference.day.tolist())
        assert days.answered.sum() == day_reference.answered.sum() and days.satisfied.sum() == day_reference.satisfied.sum()


async def test_check_finds_a_tampered_rollup(demo):
    await ResponseCell.raw("UPDATE response_cell SET n = n + 1 WHERE id = (SELECT MIN(id) FROM response_cell)")
    result = await check(TZ)
    assert len(result.differences) == 1 and result.differences[0].table == "response_cell"


async def test_a_cached_report_is_recomputed_when_its_cells_change(demo):
    clock = Clock(date(2026, 10, 5))
    request = parse_request("NB", "2026-Q3")
    first = await cached_report(request, "vi", TZ, clock)
    assert await cached_report(request, "vi", TZ, clock) is first
    burst = await asyncio.gather(*(cached_report(parse_request("VN", "2026-Q3"), "vi", TZ, clock) for _ in range(8)))
    assert all(report is burst[0] for report in burst)
    await flag(1)
    again = await cached_report(request, "vi", TZ, clock)
    assert again is not first
    assert dataclasses.replace(again, generated_at="") != dataclasses.replace(first, generated_at="")


async def test_compaction_merges_closed_months_and_changes_no_count(place):  # noqa: F811
    """Months before last month keep one row per month: fewer rows, the same sums."""
    import instruments
    from survey.db.engine import write_transaction
    from survey.rollup.maintain import compact

    fingerprint = instruments.get("sipas_qr").index_definition().fingerprint
    counter, unit, stratum = place.counter_ids["NB-001-TT-Q1"], place.unit_ids["NB-001-TT"], place.unit_ids["NB"]
    days = [datetime(2026, 7, d, 3, tzinfo=UTC) for d in (1, 2, 2, 3, 30)]
    rows = [Response(instrument_key="sipas_qr", instrument_version=1, counter=counter, unit=unit, stratum=stratum,
                     received_at=moment, period="2026-07", status="valid", nonce=f"old-{k}", e1=4, e2=2, e3=5, e4=4,
                     e5=None, overall=5, index_fingerprint=fingerprint) for k, moment in enumerate(days)]
    when_recent = datetime(2026, 7, 31, tzinfo=UTC)  # July is still kept per day
    async with write_transaction():
        await Response.insert(*rows)
        from survey.rollup.cells import Delta
        from survey.rollup.statements import apply

        await apply(Delta(TZ, when_recent).add_all({c: getattr(r, c) for c in SOURCE_COLUMNS} for r in rows))
    assert len(await ResponseCell.select().where(ResponseCell.period == "2026-07")) == 4  # four local days
    assert not (await check(TZ, when_recent)).differences
    before = await query.pattern_counts([stratum], "sipas_qr", ["2026-07"], ("e1", "overall"), (4, 5))
    assert await compact(TZ, datetime(2026, 10, 1, tzinfo=UTC)) == 4
    cells = await ResponseCell.select(ResponseCell.day, ResponseCell.n).where(ResponseCell.period == "2026-07")
    assert cells == [{"day": "", "n": 5}]
    after = await query.pattern_counts([stratum], "sipas_qr", ["2026-07"], ("e1", "overall"), (4, 5))
    assert after.rows.tolist() == before.rows.tolist() == [5.0]
    assert not (await check(TZ)).differences
    # A year archived: its rows leave the database, its sums stay; rebuilds and checks from a month on keep them.
    from survey.rollup.maintain import rebuild

    await Response.delete().where(Response.period == "2026-07")
    assert (await check(TZ)).differences
    assert not (await check(TZ, since="2026-08")).differences
    await rebuild(TZ, since="2026-08")
    kept = await query.pattern_counts([stratum], "sipas_qr", ["2026-07"], ("e1", "overall"), (4, 5))
    assert kept.rows.tolist() == [5.0]
