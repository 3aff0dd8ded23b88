"""``survey report`` writes the same report the services compute, and rejects bad parameters."""

from __future__ import annotations

import json

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
