"""The codebook's R code, run by R's survey package on the exported file, agrees with stats.Design."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from survey.exports.services import ExportRequest, run_export
from tests.exports.readback import number, read_rows

pytestmark = pytest.mark.skipif(
    shutil.which("Rscript") is None
    or subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True).returncode != 0,
    reason="R with the survey package is not installed",
)
ELEMENTS = ("access_sat", "procedures_sat", "civil_servant_sat", "results_sat", "feedback_sat")


async def test_codebook_r_code_reproduces_the_index(survey_data, tmp_path):
    from stats import Design

    result = await run_export(ExportRequest(scope="VN", period="2026-Q3"), tmp_path / "out", actor="tester")
    book = json.loads(next(p for p in result.files if p.name.endswith(".json")).read_text())
    script = book["reproduce"]["r"] + (
        '\nci <- confint(svyciprop(~I(access_sat >= 4), design, method = "beta", na.rm = TRUE))'
        '\ncat(sprintf("%.12f", c(sum(shares * p), ci[1], ci[2])), sep = "\\n")\n'
    )
    (tmp_path / "out" / "check.R").write_text(script)
    run = subprocess.run(["Rscript", "check.R"], cwd=tmp_path / "out", capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    composite, lower, upper = map(float, run.stdout.split()[-3:])

    rows = read_rows(next(p for p in result.files if p.suffix == ".csv"))
    design = Design(np.array([float(r["weight"]) for r in rows]), strata=np.array([r["stratum"] for r in rows]),
                    clusters=np.array([r["cluster"] for r in rows]))

    def satisfied(code):
        values = np.array([number(r[code]) for r in rows])
        return np.where(np.isnan(values), np.nan, (values >= 4).astype(float))

    assert design.composite([satisfied(c) for c in ELEMENTS]).value == pytest.approx(composite, abs=1e-9)
    mine = design.proportion(satisfied("access_sat")).ci(method="beta")
    assert mine[0] == pytest.approx(lower, rel=1e-6) and mine[1] == pytest.approx(upper, rel=1e-6)
