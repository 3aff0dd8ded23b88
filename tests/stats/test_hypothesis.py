"""Design-based tests against R's svyttest (make_fixtures.R, "for researchers")."""

from __future__ import annotations

import numpy as np
import pytest

from stats.hypothesis import ttest
from tests.stats.conftest import assert_close, population, r_case
from tests.stats.test_r_survey import api_design, sat_design


def check_test(result, case: str) -> None:
    ref = r_case(case)
    assert_close(result.estimate, ref["value"], f"{case} estimate")
    assert_close(result.se, ref["se"], f"{case} se")
    assert result.df == ref["df"], f"{case} df {result.df} != R {ref['df']}"
    assert_close(result.ci[0], ref["ci_low"], f"{case} lower"), assert_close(result.ci[1], ref["ci_high"], f"{case} upper")
    assert_close(result.statistic, r_case(f"{case}/t")["value"], f"{case} t")
    assert_close(result.p_value, r_case(f"{case}/p")["value"], f"{case} p", abs=0)


def test_one_sample_t_test():
    d, t = api_design("apistrat")
    check_test(ttest(d, t["api00"] - t["api99"]), "apistrat/ttest/api00-api99")


@pytest.mark.parametrize("name", ["apistrat", "apiclus1"])
def test_two_group_t_test(name):
    d, t = api_design(name)
    result = ttest(d, t["api00"], t["comp.imp"])
    assert result.groups == ("No", "Yes")
    check_test(result, f"{name}/ttest/api00~comp.imp")


def test_two_group_t_test_with_missing_answers_and_post_stratification():
    d, t = sat_design()
    august = (t["period"] == "2026-08").astype(float)
    check_test(ttest(d, t["s1"], august), "sat/ttest/s1~period")
    post = d.poststratify(t["unit"], population("unit_totals.csv", "unit"))
    check_test(ttest(post, t["s1"], august), "sat-post/ttest/s1~period")


def test_a_group_of_other_than_two_values_is_refused():
    d, t = sat_design()
    with pytest.raises(ValueError, match="exactly two values"):
        ttest(d, t["s1"], t["province"])
    with pytest.raises(ValueError, match="group has"):
        ttest(d, t["s1"], np.zeros(3))
