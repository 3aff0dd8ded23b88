"""Designs where the engine once differed from R's survey (make_fixtures.R, section "issue cases").

Each test reads the rows of one design from edge_designs.csv and R's figures from r_results.csv.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from stats import Design, intervals
from stats.index import satisfaction_index
from stats.target import target_verdicts
from tests.stats.conftest import assert_bounds, assert_close, population, r_case, r_labels, table
from tests.stats.test_r_survey import check, sat_design


def edge(name: str, fpc: bool = True, **options: object) -> tuple[Design, dict[str, np.ndarray]]:
    t = table("edge_designs.csv")
    keep = t["design"] == name
    rows = {k: v[keep] for k, v in t.items()}
    return Design(rows["w"], rows["stratum"], rows["psu"], rows["fpc"] if fpc else None, **options), rows


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (rather than hang) when the body does not return in time."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- defect 1: strict trimming that cannot be met ------------------------------------------------------
def test_strict_trim_below_the_mean_weight_stops_with_a_clear_error():
    assert r_labels("trim-strict-infeasible/R") == ["error"]  # R fails too (its recursion overflows the stack)
    design = Design(np.array([1.0, 1.0, 100.0]))
    with time_limit(5), pytest.raises(ValueError, match="mean weight"):
        design.trim(upper=2, strict=True)
    with time_limit(5), pytest.raises(ValueError, match="mean weight"):
        design.trim(lower=50, strict=True)


def test_strict_trim_at_a_reachable_bound_still_converges():
    trimmed = Design(np.array([1.0, 1.0, 1.0, 9.0])).trim(upper=4, strict=True)
    assert trimmed.weights.max() <= 4 + 1e-12
    assert trimmed.weights.sum() == pytest.approx(12.0)


# --- defect 2 and 3: a stratum sampled whole --------------------------------------------------------------
@pytest.mark.parametrize("option", ["average", "adjust", "certainty", "remove"])
def test_one_psu_stratum_sampled_whole_has_zero_variance(option):
    d, t = edge("exhaustive", lonely_psu=option)
    check(d.mean(t["y"]), f"exhaustive-{option}/mean/y")


@pytest.mark.parametrize("option", ["average", "adjust", "certainty", "remove"])
def test_jackknife_drops_the_replicates_of_a_stratum_sampled_whole(option):
    d, t = edge("exhaustive", lonely_psu=option, variance="jkn")
    check(d.mean(t["y"]), f"exhaustive-{option}-jkn/mean/y")
    assert d.degf == r_case(f"exhaustive-{option}-jkn/mean/y")["df"]


@pytest.mark.parametrize("option", ["adjust", "average", "certainty", "remove"])
def test_jackknife_degrees_of_freedom_are_rs_degf(option):
    d, t = edge("jkdf", lonely_psu=option, variance="jkn")
    assert d.degf == r_case(f"jkdf-{option}/mean/y")["df"]
    check(d.mean(t["y"]), f"jkdf-{option}/mean/y")
    by = d.by(t["dom"]).mean(t["y"])
    for label in r_labels(f"jkdf-{option}/by-dom/mean-y"):
        check(by[label], f"jkdf-{option}/by-dom/mean-y", label)


# --- defect 4: an element of two rating items -------------------------------------------------------------
def test_satisfaction_index_with_an_element_of_two_items():
    d, t = sat_design()
    spec = {"elements": [{"key": "e12", "weight": 2, "item_codes": ["s1", "s2"]}]
            + [{"key": f"e{k}", "weight": 1, "item_codes": [f"s{k}"]} for k in (3, 4, 5)]}
    answers = {f"s{k}": t[f"s{k}"] for k in range(1, 6)}
    result = satisfaction_index(spec, answers, d)
    element, composite = result.elements["e12"], result.composite
    ref = r_case("index-two-items/element/e12")
    assert_close(element.value, ref["value"], "two-item element"), assert_close(element.se, ref["se"], "its se")
    assert_bounds((element.lower, element.upper), ref["ci_low"], ref["ci_high"], "two-item element (Wald, as svymean)")
    ref = r_case("index-two-items/composite")
    assert_close(composite.value, ref["value"], "composite"), assert_close(composite.se, ref["se"], "composite se")
    assert 0 < composite.lower < composite.value < composite.upper < 1


# --- defect 5: bounded kinds stay in [0, 1] ----------------------------------------------------------------
def test_all_satisfied_composite_with_unequal_weights_is_one_and_projects():
    d, t = edge("allsat", fpc=False)
    assert r_case("allsat/composite")["value"] == 1.0
    elements, weights = [t["b1"], t["b2"], t["b3"], t["b4"]], [2, 4, 3, 1]  # shares sum to 1 + 2e-16 in floats
    composite = d.by(t["dom"]).composite(elements, weights=weights)
    assert (composite.values == 1.0).all(), composite.values.tolist()
    assert d.composite(elements, weights=weights).value == 1.0
    report = target_verdicts(composite)
    for record in report.records():
        assert record.further_responses is not None, record


# --- defect 6: a standard error of numerical noise is zero --------------------------------------------------
def test_domain_inside_one_cluster_falls_back_to_clopper_pearson_on_kish_n():
    d, t = edge("onecluster", fpc=False)
    ref = r_case("onecluster/by-dom/proportion-b3", "inside")
    assert ref["se"] < 1e-12  # R's own figure is rounding noise
    table_ = d.by(t["dom"]).proportion(t["b3"])
    inside = table_["inside"]
    assert_close(inside.value, ref["value"], "value")
    assert inside.se == 0.0
    assert inside.interval_note == "clopper-pearson-kish"
    assert_close(inside.n_eff, r_case("onecluster/kish-n", "inside")["value"], "effective n is Kish's")
    assert_bounds(inside.ci(), ref["ci_low"], ref["ci_high"], "Clopper-Pearson on Kish's n")
    notes = dict(zip(table_.labels.tolist(), table_.interval_notes().tolist()))
    assert notes["inside"] == "clopper-pearson-kish" and notes["outside"] == ""


def test_no_published_interval_lacks_a_bound_or_has_zero_width():
    d, t = edge("onecluster", fpc=False)
    for estimate in (d.by(t["dom"]).proportion(t["b3"]), d.by(t["dom"]).composite([t["b1"], t["b3"]])):
        low, high = estimate.ci()
        assert np.isfinite(low).all() and np.isfinite(high).all()
        assert (high - low > 0).all()


# --- definitions 7-11: where the engine and R differ by design, or the engine offers R's option ----------------
def test_korn_graubard_n_of_a_post_stratified_domain_is_the_domains_rows():
    """R's svyciprop on a subset of a calibrated design counts nrow() of the whole design; the engine
    counts the domain's own rows, as on a design without calibration (documented in README)."""
    d, t = sat_design()
    post = d.poststratify(t["unit"], population("unit_totals.csv", "unit"))
    table_ = post.by(t["commune"]).proportion(t["e1"])
    whole_rows = r_case("def7/nrow")["value"]
    low, high = table_.ci(method="beta")
    differ = 0
    for label in r_labels("def7/by-commune/ciprop-beta"):
        ref = r_case("def7/by-commune/ciprop-beta", label)
        e, i = table_[label], table_.position(label)
        assert_close(e.value, ref["value"], label), assert_close(e.se, ref["se"], label, abs=1e-9)
        assert e.df == ref["df"]
        if np.isnan(ref["ci_low"]):  # no degrees of freedom: R has no interval, the engine falls back
            assert e.df < 1 and e.interval_note == "clopper-pearson-kish"
            continue
        as_r = intervals.beta(np.array(e.value), np.array(e.se), np.array(e.df), np.array(whole_rows))
        assert_bounds((float(as_r[0]), float(as_r[1])), ref["ci_low"], ref["ci_high"], f"R's definition {label}")
        own = intervals.beta(np.array(e.value), np.array(e.se), np.array(e.df), np.array(e.n))
        assert (low[i], high[i]) == pytest.approx((float(own[0]), float(own[1])), abs=1e-12)
        differ += abs(low[i] - ref["ci_low"]) > 1e-4
    assert differ > 0


def lonely_rows() -> dict[str, np.ndarray]:
    t = table("satisfaction.csv")
    keep = ~((t["province"] == "P3") & (t["counter"] != "C3-1"))
    return {k: v[keep] for k, v in t.items()}


def test_average_counts_only_strata_where_the_domain_answered():
    t = lonely_rows()
    gap = np.where((t["province"] == "P2") & (t["period"] == "2026-07"), np.nan, t["s1"])
    d = Design(t["w"], t["province"], t["counter"], lonely_psu="average")
    means = d.by(t["period"]).mean(gap)
    for label in r_labels("def8/average/by-period/mean-s1_gap"):
        check(means[label], "def8/average/by-period/mean-s1_gap", label, with_df=False, ci=False)


def test_average_on_a_calibrated_design_scales_by_the_domains_strata():
    """R scales a calibrated design's domain by all strata of the design (5 strata, 4 with a variance);
    the engine by the strata the domain touches, as without calibration (documented in README)."""
    t = lonely_rows()
    units = population("lonely_unit_totals.csv", "unit")
    average = Design(t["w"], t["province"], t["counter"], lonely_psu="average").poststratify(t["unit"], units)
    means = average.by(t["commune"]).mean(t["s1"])
    for label in r_labels("def8/post-certainty/by-commune/mean-s1"):
        r_certainty = r_case("def8/post-certainty/by-commune/mean-s1", label)
        r_average = r_case("def8/post-average/by-commune/mean-s1", label)
        assert_close(r_average["se"], r_certainty["se"] * np.sqrt(5 / 4), f"R's scaling {label}", abs=1e-12)
        check(means[label], "def8/post-certainty/by-commune/mean-s1", label, with_df=False, ci=False)


def test_zero_weight_rows_are_not_in_the_sample():
    """R counts zero-weight rows in nrow() (Korn-Graubard n) and gives them a post-stratification
    residual; the engine treats them as absent, so it equals R on the rows of positive weight."""
    t = table("satisfaction.csv")
    w = t["w"].copy()
    w[table("zero_weight_rows.csv")["row"].astype(int) - 1] = 0.0
    units = population("zero_weight_unit_totals.csv", "unit")
    d = Design(w, t["province"], t["counter"]).poststratify(t["unit"], units)
    check(d.mean(t["s1"]), "def9/without-zero-rows/mean/s1")
    check(d.proportion(t["e1"]), "def9/without-zero-rows/ciprop/beta", method="beta")
    assert d.proportion(t["e1"]).n == r_case("def9/without-zero-rows/nrow")["value"]
    with_rows = r_case("def9/with-zero-rows/mean/s1")
    assert abs(with_rows["se"] - r_case("def9/without-zero-rows/mean/s1")["se"]) > 1e-6  # R's choice differs


def test_lonely_fail_refuses_the_design_where_r_fails_only_the_estimates_using_it():
    t = lonely_rows()
    assert r_labels("def10/fail/P3") == ["error"]
    with pytest.raises(ValueError, match="P3"):
        Design(t["w"], t["province"], t["counter"], lonely_psu="fail")
    # R still estimates a domain away from the lonely stratum; any other option gives that same figure.
    for option in ("certainty", "adjust", "average", "remove"):
        d = Design(t["w"], t["province"], t["counter"], lonely_psu=option)
        check(d.by(t["province"]).mean(t["s1"])["P1"], "def10/fail/P1/mean/s1")


def test_poststratify_partial_ignores_population_groups_absent_from_the_sample():
    d, t = sat_design()
    extra = population("unit_totals_partial.csv", "unit")
    assert r_labels("def11/not-partial") == ["error"]
    with pytest.raises(ValueError, match="partial=True"):
        d.poststratify(t["unit"], extra)
    post = d.poststratify(t["unit"], extra, partial=True)
    check(post.mean(t["s1"]), "def11/partial/mean/s1")
    check(post.proportion(t["e1"]), "def11/partial/ciprop/beta", method="beta")
    totals = Design(t["w"], t["province"], t["counter"], t["fpc"]).cluster_totals(
        {"s1": t["s1"]}, calibration={"unit": t["unit"]})
    fpc = dict(zip(t["province"].tolist(), t["fpc"].tolist()))
    from_totals = Design.from_cluster_totals(totals, fpc).poststratify("unit", extra, partial=True)
    check(from_totals.mean("s1"), "def11/partial/mean/s1")
