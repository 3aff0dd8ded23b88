"""``survey report`` writes the same report the services compute, and rejects bad parameters."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from survey.cli import main
from survey.reports.services import build_report, parse_request


async def test_json_report_file_matches_the_service(demo, tmp_path):
    import asyncio

    out = tmp_path / "nb.json"
    # The command runs its own event loop, as it does from a shell.
    status = await asyncio.to_thread(main, ["report", "--scope", "NB", "--period", "2026-Q3", "--format", "json",
                                            "--out", str(out)])
    assert status == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    expected = (await build_report(parse_request("NB", "2026-Q3"))).to_dict()
    assert written["scope"] == {"code": "NB", "name": "Tỉnh Ninh Bình", "level": "province"}
    assert written["composite"] == expected["composite"]
    assert written["subunits"] == expected["subunits"]


@pytest.mark.parametrize(("arguments", "message"), [
    (["--scope", "NB", "--period", "2026-13"], "is not a month"),
    (["--scope", "NB", "--period", "2026-Q3", "--target", "1.5"], "target"),
    (["--scope", "ZZ", "--period", "2026-Q3"], "unknown unit 'ZZ'"),
    (["--scope", "NB", "--period", "2026-Q3", "--instrument", "nope"], "unknown instrument"),
])
async def test_bad_parameters_exit_2_with_a_message(demo, tmp_path, capsys, arguments, message):
    import asyncio

    status = await asyncio.to_thread(main, ["report", *arguments, "--format", "json", "--out", str(tmp_path / "x")])
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


async def test_the_report_is_written_in_the_configured_language_and_time_zone(demo, tmp_path, monkeypatch):
    import asyncio
    from datetime import datetime

    from survey.db.tables import Counter, Receipt
    from survey.settings import get_settings

    # 01:00 on 1 October in Hanoi, still 30 September in UTC: a Q3 receipt only when months are UTC months.
    counter = await Counter.select(Counter.id).where(Counter.code == "NB-001-TT-Q1").first()
    await Receipt.insert(Receipt(token_id="boundary-receipt", counter=counter["id"], dossier_hash="",
                                 issued_at=datetime(2026, 9, 30, 18, 0, tzinfo=UTC),
                                 expires_at=datetime(2026, 10, 30, tzinfo=UTC)))
    monkeypatch.setenv("SURVEY_LANGUAGE", "en")
    monkeypatch.setenv("SURVEY_TIMEZONE", "UTC")
    get_settings.cache_clear()
    out = tmp_path / "nb.json"
    status = await asyncio.to_thread(main, ["report", "--scope", "NB", "--period", "2026-Q3", "--format", "json",
                                            "--out", str(out)])
    assert status == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    english = (await build_report(parse_request("NB", "2026-Q3"), "en", "UTC")).to_dict()
    default = (await build_report(parse_request("NB", "2026-Q3"))).to_dict()
    assert [e["title"] for e in written["elements"]] == [e["title"] for e in english["elements"]]
    assert [e["title"] for e in written["elements"]] != [e["title"] for e in default["elements"]]
    assert written["instrument_title"] == english["instrument_title"] != default["instrument_title"]
    assert written["response_rate"] == english["response_rate"] != default["response_rate"]


def test_an_unknown_time_zone_is_refused_before_anything_runs(settings, monkeypatch, tmp_path, capsys):
    from survey.settings import get_settings

    monkeypatch.setenv("SURVEY_TIMEZONE", "Asia/Nowhere")
    get_settings.cache_clear()
    assert main(["report", "--scope", "NB", "--period", "2026-Q3", "--out", str(tmp_path / "x")]) == 2
    assert "SURVEY_TIMEZONE" in capsys.readouterr().err
