"""Designs where the engine once differed from R's survey (make_fixtures.R, section "issue cases").

Each test reads the rows of one design from edge_designs.csv and R's figures from r_results.csv.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from stats import Design
from stats.index import satisfaction_index
from stats.target import target_verdicts
from tests.stats.conftest import assert_bounds, assert_close, r_case, r_labels, table
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
