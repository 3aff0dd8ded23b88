"""Calibration to margins (R's calibrate: GREG linear and raking, bounded) against R fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from tests.stats.conftest import assert_close, population, r_case, r_labels
from tests.stats.test_r_survey import check, sat_design

CASES = {"linear": ("linear", (-np.inf, np.inf)), "linear-bounded": ("linear", (0.85, 1.25)),
         "raking": ("raking", (-np.inf, np.inf)), "raking-bounded": ("raking", (0.85, 1.25))}


def calibrated(case: str):
    d, t = sat_design()
    calfun, bounds = CASES[case]
    margins = {"province": (t["province"], population("province_totals.csv", "province")),
               "period": (t["period"], population("calibration_period_totals.csv", "period"))}
    return d, d.calibrate(margins, calfun=calfun, bounds=bounds), t


@pytest.mark.parametrize("case", list(CASES))
def test_calibrated_estimates_and_variance_equal_r(case):
    d, c, t = calibrated(case)
    g = c.weights / d.weights
    ref = r_case(f"sat-cal-{case}/g-range")
    assert_close(g.min(), ref["value"], "smallest g"), assert_close(g.max(), ref["ci_low"], "largest g")
    check(c.mean(t["s1"]), f"sat-cal-{case}/mean/s1")
    check(c.proportion(t["e1"]), f"sat-cal-{case}/ciprop/beta", method="beta")
    means = c.by(t["commune"]).mean(t["e1"])
    for label in r_labels(f"sat-cal-{case}/by-commune/mean-e1"):
        check(means[label], f"sat-cal-{case}/by-commune/mean-e1", label, with_df=False, ci=False)


def test_calibrated_weights_meet_the_margins():
    _, c, t = calibrated("raking-bounded")
    for name, file in (("province", "province_totals.csv"), ("period", "calibration_period_totals.csv")):
        for level, total in population(file, name).items():
            assert c.weights[t[name] == level].sum() == pytest.approx(total, rel=1e-6)


def test_bounds_that_cannot_be_met_fail_clearly():
    d, t = sat_design()
    margins = {"province": (t["province"], population("province_totals.csv", "province"))}
    with pytest.raises(ValueError, match="calibration failed"):
        d.calibrate(margins, bounds=(0.99, 1.01))
    with pytest.raises(ValueError, match="calfun"):
        d.calibrate(margins, calfun="logit")
