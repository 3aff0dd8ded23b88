"""``survey export`` as a user runs it: a separate process on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.exports.readback import QUASI_IDENTIFIERS, class_sizes, read_rows

# Makes an import of the named module fail, as on a machine without the optional extra.
BLOCKED_RUN = (
    "import sys; sys.modules[{module!r}] = None; "
    "from survey.cli import main; sys.exit(main(sys.argv[1:]))"
)


def survey(*args: str, block: str | None = None) -> subprocess.CompletedProcess:
    code = BLOCKED_RUN.format(module=block) if block else "from survey.cli import main; import sys; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=os.environ.copy(),
                          cwd=Path(__file__).resolve().parents[2], timeout=300)


async def test_export_command_writes_files_and_shows_progress(survey_data, tmp_path):
    out = tmp_path / "export"
    done = survey("export", "--scope", "P1", "--period", "2026-07..2026-09", "--k", "4", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "rows/s" in done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["sipas_qr-v1-P1-2026-07_to_2026-09.codebook.json", "sipas_qr-v1-P1-2026-07_to_2026-09.codebook.md",
                     "sipas_qr-v1-P1-2026-07_to_2026-09.csv", "sipas_qr-v1-P1-2026-07_to_2026-09.units.csv"]
    rows = read_rows(out / files[2])
    assert min(class_sizes(rows, QUASI_IDENTIFIERS).values()) >= 4
    assert not {row["unit"] for row in rows} & {"P2", "P2-01", "P2-01-TT"}


async def test_excel_csv_a_unit_lookup_and_a_second_export_beside_the_first(survey_data, tmp_path):
    import csv
    import json

    out = tmp_path / "export"
    stem = "sipas_qr-v1-P1-2026-07_to_2026-09"
    first = survey("export", "--scope", "P1", "--period", "2026-07..2026-09", "--k", "4", "--out", str(out))
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    second = survey("export", "--scope", "P1", "--period", "2026-07..2026-09", "--k", "4", "--excel",
                    "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in before} == before  # the first is untouched
    assert {p.name for p in out.iterdir()} - set(before) == {f"{stem}-2.csv", f"{stem}-2.units.csv",
                                                              f"{stem}-2.codebook.json", f"{stem}-2.codebook.md"}
    assert not (out / f"{stem}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    data = (out / f"{stem}-2.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data[3:].startswith(b"stratum")  # Excel's UTF-8 mark
    book = json.loads((out / f"{stem}-2.codebook.json").read_text(encoding="utf-8"))
    assert book["dataset"]["file"] == f"{stem}-2.csv" and "UTF-8-BOM" in book["reproduce"]["r"]
    with (out / f"{stem}-2.units.csv").open(encoding="utf-8-sig", newline="") as lookup:
        units = {row["unit"]: row for row in csv.DictReader(lookup)}
    shown = {row["unit"] for row in read_rows(out / f"{stem}.csv")}
    assert shown <= set(units) and all(units[code]["name"] for code in shown)


@pytest.mark.parametrize(("file_format", "module"), [("parquet", "pyarrow"), ("sav", "pyarrow"), ("dta", "pyarrow")])
async def test_missing_extra_is_named_and_nothing_is_written(survey_data, tmp_path, file_format, module):
    out = tmp_path / "export"
    done = survey("export", "--scope", "VN", "--period", "2026-Q3", "--format", file_format, "--out", str(out),
                  block=module)
    assert done.returncode == 2
    assert "pip install '.[export]'" in done.stderr and module in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--scope", "NOWHERE", "--period", "2026-Q3"], "unknown unit"),
    (["--scope", "VN", "--period", "2026-Q3", "--k", "1"], "k must be"),
    (["--scope", "VN", "--period", "Q3-2026"], "period"),
])
async def test_bad_options_exit_2_with_a_message(survey_data, tmp_path, args, message):
    out = tmp_path / "export"
    done = survey("export", *args, "--out", str(out))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
