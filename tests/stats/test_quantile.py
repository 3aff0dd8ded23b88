"""Quantiles and Woodruff intervals against R's svyquantile (make_fixtures.R, "for researchers")."""

from __future__ import annotations

import math

import pytest

from stats.quantile import quantile
from tests.stats.conftest import assert_close, population, r_case, r_labels
from tests.stats.test_r_survey import api_design, sat_design


def check_quantiles(table, case: str, label=None, r_label: str = "") -> None:
    for p in table.probabilities:
        ref = r_case(f"{case}/{p:g}", r_label)
        value, low, high = table[label, p]
        assert value == ref["value"], f"{case} {p} {r_label}: {value} != R {ref['value']}"
        for mine, theirs, what in ((low, ref["ci_low"], "lower"), (high, ref["ci_high"], "upper")):
            if math.isnan(theirs):
                assert math.isnan(mine), f"{case} {p} {r_label} {what}: R has none (share beyond [0, 1])"
            else:
                assert mine == theirs, f"{case} {p} {r_label} {what}: {mine} != R {theirs}"
        if not math.isnan(ref["se"]):
            i, j = table.labels.index(label), table.probabilities.index(p)
            assert_close(table.se[i, j], ref["se"], f"{case} {p} se")
            assert table.df[i, j] == ref["df"]


@pytest.mark.parametrize("name", ["apistrat", "apiclus1"])
def test_quantiles_of_api00(name):
    d, t = api_design(name)
    check_quantiles(quantile(d, t["api00"], (0.1, 0.25, 0.5, 0.9)), f"{name}/quantile/api00")


def test_quantiles_by_domain_are_domains_of_the_full_design():
    d, t = api_design("apiclus1")
    table = quantile(d, t["api00"], (0.5, 0.75), domain=t["stype"])
    for label in sorted(set(r_labels("apiclus1/by-stype/quantile/api00/0.5"))):
        check_quantiles(table, "apiclus1/by-stype/quantile/api00", label, label)


def test_quantiles_with_missing_answers_domains_and_post_stratification():
    d, t = sat_design()
    mix = t["s1"] + t["s2"] / 10
    check_quantiles(quantile(d, mix, (0.25, 0.5)), "sat/quantile/mix")
    by_period = quantile(d, mix, (0.25, 0.5), domain=t["period"])
    for label in r_labels("sat/by-period/quantile/mix/0.25"):
        check_quantiles(by_period, "sat/by-period/quantile/mix", label, label)
    post = d.poststratify(t["unit"], population("unit_totals.csv", "unit"))
    check_quantiles(quantile(post, mix, (0.5,)), "sat-post/quantile/mix")


def test_bad_probabilities_are_refused():
    d, t = sat_design()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        quantile(d, t["s1"], (1.5,))
