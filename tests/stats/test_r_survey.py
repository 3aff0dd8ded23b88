"""Every estimate checked against R's survey package (fixtures/make_fixtures.R wrote r_results.csv)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stats import Design
from tests.stats.conftest import SE_FLOOR, assert_bounds, assert_close, population, r_case, r_labels, table

R_METHOD = {"beta": "beta", "logit": "logit", "xlogit": "xlogit", "mean": "wald", "wilson": "wilson",
            "jeffreys": "jeffreys"}


def api(name: str) -> dict[str, np.ndarray]:
    t = dict(table(f"{name}.csv"))
    t["yes"] = (t["sch.wide"] == "Yes").astype(float)
    return t


def api_design(name: str, **options) -> tuple[Design, dict[str, np.ndarray]]:
    if name.startswith("apistrat"):
        t = api("apistrat")
        fpc = 200 / (t["fpc"] * 3) if name.endswith("frac") else t["fpc"]
        return Design(t["pw"], t["stype"], None, fpc, **options), t
    t = api("apiclus1")
    return Design(t["pw"], None, t["dnum"], None if name.endswith("nofpc") else t["fpc"], **options), t


def sat_design(name: str = "sat", **options) -> tuple[Design, dict[str, np.ndarray]]:
    t = table("satisfaction.csv")
    return Design(t["w"], t["province"], t["counter"], None if name.endswith("nofpc") else t["fpc"], **options), t


def check(estimate, case: str, label: str = "", with_df: bool = True, ci: bool = True, method: str | None = None) -> None:
    ref = r_case(case, label)
    assert_close(estimate.value, ref["value"], f"{case} {label} value")
    if math.isnan(ref["se"]):
        # R's rounding made a zero variance slightly negative (a domain inside one cluster).
        assert estimate.se < SE_FLOOR, f"{case} {label}: R has no SE, a zero variance; got {estimate.se}"
    else:
        assert_close(estimate.se, ref["se"], f"{case} {label} se", abs=SE_FLOOR)
    if with_df and not math.isnan(ref["df"]):
        assert estimate.df == ref["df"], f"{case} {label} df {estimate.df} != R {ref['df']}"
    if ci and not math.isnan(ref["ci_low"]):
        assert_bounds(estimate.ci(method=method), ref["ci_low"], ref["ci_high"], f"{case} {label}")


def test_reference_values_of_the_shared_r_run():
    """The separate R run shipped with the reference data (reference_values.csv)."""
    ref = table("reference_values.csv")

    def row(data: str, analysis: str, method: str) -> dict:
        i = np.flatnonzero((ref["data"] == data) & (ref["analysis"] == analysis) & (ref["method"] == method))[0]
        return {k: ref[k][i] for k in ("estimate", "se", "ci_lower", "ci_upper")}

    for name in ("apistrat", "apiclus1"):
        d, t = api_design(name)
        m = d.mean(t["api00"])
        r = row(name, "(a) svymean api00", "Wald z (confint default)")
        assert_close(m.value, r["estimate"], "mean"), assert_close(m.se, r["se"], "se")
        assert_bounds(m.ci(df=math.inf), r["ci_lower"], r["ci_upper"], "normal interval")
        p = d.proportion(t["yes"])
        for method in ("logit", "beta", "xlogit", "mean"):
            r = row(name, "(b) svyciprop sch.wide==Yes", f"{method} (df=degf default)")
            assert_bounds(p.ci(method=R_METHOD[method]), r["ci_lower"], r["ci_upper"], method)
        for method in ("logit", "xlogit", "mean"):
            r = row(name, "(b) svyciprop sch.wide==Yes", f"{method} (df=Inf)")
            assert_bounds(p.ci(method=R_METHOD[method], df=math.inf), r["ci_lower"], r["ci_upper"], method)
    d, t = api_design("apiclus1")
    pop = {"E": 4421, "H": 755, "M": 1018}
    post = d.poststratify(t["stype"], pop)
    r = row("apiclus1", "(c) postStratify stype", "svymean api00 Wald z")
    assert_close(post.mean(t["api00"]).se, r["se"], "post-stratified se")
    raked = d.rake({"stype": (t["stype"], pop), "sch.wide": (t["sch.wide"], {"No": 1072, "Yes": 5122})})
    r = row("apiclus1", "(d) rake stype+sch.wide", "svymean api00 Wald z (rake defaults maxit=10, epsilon=1)")
    assert_close(raked.mean(t["api00"]).value, r["estimate"], "raked mean")
    assert_close(raked.mean(t["api00"]).se, r["se"], "raked se")
    r = row("apiclus1", "extra JK1 (as.svrepdesign type=JK1)", "svymean api00")
    assert_close(d.jackknife().mean(t["api00"]).se, r["se"], "JK1 se")
    d, t = api_design("apistrat")
    r = row("apistrat", "extra trimWeights(upper=40)", "svymean api00")
    assert_close(d.trim(upper=40).mean(t["api00"]).se, r["se"], "trimmed se")


@pytest.mark.parametrize("name", ["apistrat", "apiclus1", "apiclus1_nofpc", "apistrat_frac"])
def test_api_mean_total_ratio_deff(name):
    d, t = api_design(name)
    assert d.degf == r_case(f"{name}/mean/api00")["df"]
    check(d.mean(t["api00"]), f"{name}/mean/api00")
    assert_close(d.mean(t["api00"]).deff, r_case(f"{name}/deff/api00")["value"], "deff")
    check(d.total(t["enroll"]), f"{name}/total/enroll")
    check(d.ratio(t["api00"], t["api99"]), f"{name}/ratio/api00:api99", ci=False)
    ratios = d.by(t["stype"]).ratio(t["api00"], t["api99"])
    for label in r_labels(f"{name}/by-stype/ratio"):
        check(ratios[label], f"{name}/by-stype/ratio", label, with_df=False, ci=False)


@pytest.mark.parametrize("name", ["apistrat", "apiclus1", "apiclus1_nofpc", "apistrat_frac"])
@pytest.mark.parametrize("method", ["beta", "logit", "xlogit", "mean"])
def test_api_proportion_intervals_overall_and_by_type(name, method):
    d, t = api_design(name)
    check(d.proportion(t["yes"]), f"{name}/ciprop/{method}", method=R_METHOD[method])
    by = d.by(t["stype"]).proportion(t["yes"])
    labels = r_labels(f"{name}/by-stype/{method}")
    assert sorted(by.labels.tolist()) == sorted(labels)
    for label in labels:
        check(by[label], f"{name}/by-stype/{method}", label, method=R_METHOD[method])


@pytest.mark.parametrize("name", ["sat", "sat_nofpc"])
def test_synthetic_overall(name):
    d, t = sat_design(name)
    assert d.degf == r_case(f"{name}/degf")["df"]
    check(d.mean(t["s1"]), f"{name}/mean/s1")
    assert_close(d.mean(t["s1"]).deff, r_case(f"{name}/deff/s1")["value"], "deff of a mean with NaN")
    assert_close(d.proportion(t["e1"]).deff, r_case(f"{name}/deff/e1")["value"], "deff of a proportion")
    check(d.total(t["e2"]), f"{name}/total/e2")
    for method in R_METHOD:
        check(d.proportion(t["e1"]), f"{name}/ciprop/{method}", method=R_METHOD[method])


@pytest.mark.parametrize("name", ["sat", "sat_nofpc"])
@pytest.mark.parametrize("domain", ["period", "commune"])
def test_synthetic_domains(name, domain):
    d, t = sat_design(name)
    by = d.by(t[domain])
    proportions = by.proportion(t["e1"])
    for method in ("beta", "xlogit", "mean"):
        case = f"{name}/by-{domain}/ciprop-{method}"
        for label in r_labels(case):
            ref = r_case(case, label)
            estimate = proportions[label]
            if ref["df"] >= 1:
                check(estimate, case, label, method=R_METHOD[method])
            else:
                # R gives no interval without degrees of freedom; we fall back and say so.
                check(estimate, case, label, ci=False)
                assert estimate.interval_note == "clopper-pearson-kish"
                low, high = estimate.ci(method=R_METHOD[method])
                assert 0 <= low <= estimate.value <= high <= 1
    means, totals = by.mean(t["s2"]), by.total(t["e3"])
    for label in r_labels(f"{name}/by-{domain}/mean-s2"):
        check(means[label], f"{name}/by-{domain}/mean-s2", label, with_df=False, ci=False)
        check(totals[label], f"{name}/by-{domain}/total-e3", label, with_df=False, ci=False)
    composite = by.composite([t[f"e{k}"] for k in range(1, 6)])
    for label in r_labels(f"{name}/by-{domain}/composite"):
        check(composite[label], f"{name}/by-{domain}/composite", label, ci=False)


@pytest.mark.parametrize("name", ["sat", "sat_nofpc"])
def test_synthetic_contrasts_and_composite(name):
    d, t = sat_design(name)
    contrast = d.by(t["period"]).proportion(t["e1"]).contrast({"2026-08": 1, "2026-07": -1})
    check(contrast, f"{name}/contrast/period-e1", "2026-08 minus 2026-07", ci=False)
    contrast = d.by(t["commune"]).mean(t["s1"]).contrast({"X1-1": 1, "X1-2": -1})
    check(contrast, f"{name}/contrast/commune-s1", "X1-1 minus X1-2", ci=False)
    elements = [t[f"e{k}"] for k in range(1, 6)]
    check(d.composite(elements), f"{name}/composite/equal", ci=False)
    check(d.composite(elements, weights=[1, 2, 1, 1, 3]), f"{name}/composite/weighted", ci=False)


def test_poststratified_synthetic():
    d, t = sat_design()
    post = d.poststratify(t["unit"], population("unit_totals.csv", "unit"))
    check(post.mean(t["s1"]), "sat-post/mean/s1")
    check(post.total(t["e2"]), "sat-post/total/e2")
    check(post.proportion(t["e1"]), "sat-post/ciprop/logit", method="logit")
    check(post.proportion(t["e1"]), "sat-post/ciprop/beta", method="beta")
    for domain in ("period", "commune"):
        means = post.by(t[domain]).mean(t["e1"])
        for label in r_labels(f"sat-post/by-{domain}/mean-e1"):
            check(means[label], f"sat-post/by-{domain}/mean-e1", label, with_df=False, ci=False)
    contrast = post.by(t["period"]).proportion(t["e1"]).contrast({"2026-08": 1, "2026-07": -1})
    check(contrast, "sat-post/contrast/period-e1", "2026-08 minus 2026-07", with_df=False, ci=False)


@pytest.mark.parametrize("spec,max_iter,tol", [("default", 10, 1.0), ("tight", 100, 1e-9)])
def test_raked_synthetic(spec, max_iter, tol):
    d, t = sat_design()
    raked = d.rake({"province": (t["province"], population("province_totals.csv", "province")),
                    "period": (t["period"], population("period_totals.csv", "period"))}, max_iter=max_iter, tol=tol)
    check(raked.mean(t["s1"]), f"sat-rake-{spec}/mean/s1")
    means = raked.by(t["period"]).mean(t["e1"])
    for label in r_labels(f"sat-rake-{spec}/by-period/mean-e1"):
        check(means[label], f"sat-rake-{spec}/by-period/mean-e1", label, with_df=False, ci=False)


@pytest.mark.parametrize("case,options", [("sat-trim-60", {"upper": 60}), ("sat-trim-45", {"upper": 45}),
                                          ("sat-trim-strict-60", {"upper": 60, "strict": True}),
                                          ("sat-trim-strict-45", {"upper": 45, "strict": True}),
                                          ("sat-trim-both", {"lower": 15, "upper": 60})])
def test_trimmed_synthetic(case, options):
    d, t = sat_design()
    check(d.trim(**options).mean(t["s1"]), f"{case}/mean/s1")


@pytest.mark.parametrize("case", ["apiclus1-jk1", "apistrat-jkn", "sat-jkn", "sat_nofpc-jkn"])
def test_jackknife_overall(case):
    name = case.split("-")[0]
    d, t = (api_design(name) if name.startswith("api") else sat_design(name))
    d = d.jackknife()
    y, p = (t["api00"], t["yes"]) if name.startswith("api") else (t["s1"], t["e1"])
    check(d.mean(y), f"{case}/mean")
    check(d.proportion(p), f"{case}/ciprop/beta")


def test_jackknife_domains_and_contrast():
    d, t = sat_design()
    d = Design(t["w"], t["province"], t["counter"], t["fpc"], variance="jkn")
    by_period = d.by(t["period"]).mean(t["e1"])
    for label in r_labels("sat-jkn/by-period/mean-e1"):
        check(by_period[label], "sat-jkn/by-period/mean-e1", label, ci=False)
    check(by_period.contrast({"2026-08": 1, "2026-07": -1}), "sat-jkn/contrast/period-e1", "2026-08 minus 2026-07",
          with_df=False, ci=False)
    by_commune = d.by(t["commune"]).mean(t["s1"])
    for label in r_labels("sat-jkn/by-commune/mean-s1"):
        check(by_commune[label], "sat-jkn/by-commune/mean-s1", label, ci=False)


def lonely_design(option: str, variance: str = "linearization") -> tuple[Design, dict[str, np.ndarray]]:
    t = table("satisfaction.csv")
    keep = ~((t["province"] == "P3") & (t["counter"] != "C3-1"))
    t = {k: v[keep] for k, v in t.items()}
    return Design(t["w"], t["province"], t["counter"], lonely_psu=option, variance=variance), t


@pytest.mark.parametrize("option", ["adjust", "average", "certainty", "remove"])
def test_lonely_cluster_options(option):
    d, t = lonely_design(option)
    check(d.mean(t["s1"]), f"lonely-{option}/mean/s1")
    means = d.by(t["period"]).mean(t["e1"])
    for label in r_labels(f"lonely-{option}/by-period/mean-e1"):
        check(means[label], f"lonely-{option}/by-period/mean-e1", label, with_df=False, ci=False)


@pytest.mark.parametrize("option", ["adjust", "average", "certainty"])
def test_lonely_cluster_options_jackknife(option):
    d, t = lonely_design(option, "jkn")
    check(d.mean(t["s1"]), f"lonely-{option}-jkn/mean/s1", with_df=False, ci=False)


def test_lonely_cluster_fails_by_default_naming_the_stratum():
    assert "P3" in r_labels("lonely-fail/message")[0]  # R fails on the same stratum
    with pytest.raises(ValueError, match="P3"):
        lonely_design("fail")
