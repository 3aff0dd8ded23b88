"""Design-based tests against R's svyttest (make_fixtures.R, "for researchers")."""

from __future__ import annotations

import numpy as np
import pytest

from stats.hypothesis import chisq, ttest
from tests.stats.conftest import assert_close, population, r_case
from tests.stats.test_r_survey import api_design, sat_design


def check_test(result, case: str) -> None:
    ref = r_case(case)
    assert_close(result.estimate, ref["value"], f"{case} estimate")
    assert_close(result.se, ref["se"], f"{case} se")
    assert result.df == ref["df"], f"{case} df {result.df} != R {ref['df']}"
    assert_close(result.ci[0], ref["ci_low"], f"{case} lower")
    assert_close(result.ci[1], ref["ci_high"], f"{case} upper")
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


def check_chisq(result, case: str) -> None:
    assert_close(result.statistic, r_case(case)["value"], f"{case} F")
    assert_close(result.df, r_case(case)["df"], f"{case} numerator df")
    assert_close(result.ddf, r_case(f"{case}/ddf")["value"], f"{case} denominator df")
    assert_close(result.p_value, r_case(f"{case}/p")["value"], f"{case} p", abs=0)


@pytest.mark.parametrize("name,rows,columns", [("apiclus1", "stype", "sch.wide"), ("apistrat", "stype", "comp.imp")])
def test_rao_scott_chisq_of_api_tables(name, rows, columns):
    d, t = api_design(name)
    check_chisq(chisq(d, t[rows], t[columns]), f"{name}/chisq/{rows}:{columns}")


def test_rao_scott_chisq_with_missing_answers_and_post_stratification():
    d, t = sat_design()
    check_chisq(chisq(d, t["period"], t["sat_overall"]), "sat/chisq/period:sat_overall")
    check_chisq(chisq(d, t["province"], t["e3"]), "sat/chisq/province:e3")
    post = d.poststratify(t["unit"], population("unit_totals.csv", "unit"))
    check_chisq(chisq(post, t["province"], t["e3"]), "sat-post/chisq/province:e3")


def test_chisq_refuses_a_jackknife_design_and_a_constant_variable():
    d, t = sat_design()
    with pytest.raises(ValueError, match="linearization"):
        chisq(d.jackknife(), t["province"], t["e3"])
    with pytest.raises(ValueError, match="at least two values"):
        chisq(d, np.zeros(d.n_rows), t["e3"])
