"""Bad input gets a ValueError that names the problem; edge cases behave as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from stats import Design
from tests.stats.conftest import table


@pytest.fixture(scope="module")
def sat():
    return table("satisfaction.csv")


def small():
    w = np.array([1.0, 2.0, 1.5, 3.0, 2.0, 1.0, 2.5, 1.0])
    strata = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    clusters = np.array([1, 1, 2, 2, 3, 3, 4, 4])
    return w, strata, clusters


@pytest.mark.parametrize("weights,message", [
    ([1.0, -2.0, 1.0], "negative"),
    ([0.0, 0.0, 0.0], "all zero"),
    ([1.0, np.nan, 1.0], "NaN"),
    ([1.0, np.inf, 1.0], "infinite"),
    ([], "empty"),
    (["a", "b", "c"], "numeric"),
])
def test_bad_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        Design(np.array(weights))


def test_mismatched_lengths_are_named():
    w, strata, clusters = small()
    with pytest.raises(ValueError, match="strata has 7 rows but the weights have 8"):
        Design(w, strata[:-1], clusters)
    with pytest.raises(ValueError, match="clusters has 9 rows"):
        Design(w, strata, np.append(clusters, 5))
    d = Design(w, strata, clusters)
    with pytest.raises(ValueError, match="domain has 3 rows"):
        d.by(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="must be a 1-D array of 8 values"):
        d.mean(np.ones(5))


def test_missing_labels_are_refused():
    w, strata, clusters = small()
    with pytest.raises(ValueError, match="strata labels contain NaN"):
        Design(w, np.array([1, 1, 1, 1, 2, 2, np.nan, 2]), clusters)
    with pytest.raises(ValueError, match="clusters labels are missing"):
        Design(w, strata, np.array([1, 1, 2, 2, 3, None, 4, 4], dtype=object))


def test_single_cluster_stratum_fails_by_default_and_options_work():
    w, strata, clusters = small()
    clusters = clusters.copy()
    clusters[strata == "b"] = 3
    with pytest.raises(ValueError, match="stratum 'b' has only one cluster"):
        Design(w, strata, clusters)
    y = np.array([1.0, 2, 3, 4, 5, 4, 3, 2])
    certainty = Design(w, strata, clusters, lonely_psu="certainty").mean(y)
    adjust = Design(w, strata, clusters, lonely_psu="adjust").mean(y)
    assert certainty.se > 0 and adjust.se > certainty.se  # adjust adds the lonely stratum's deviation
    with pytest.raises(ValueError, match="lonely_psu must be one of"):
        Design(w, strata, clusters, lonely_psu="drop")


def test_proportion_needs_zero_one(sat):
    d = Design(sat["w"], sat["province"], sat["counter"])
    with pytest.raises(ValueError, match="must be 0/1"):
        d.proportion(sat["s1"])
    # A composite's element may be a share of several items (in [0, 1]), never a 1-5 score.
    with pytest.raises(ValueError, match=r"element1 must be a share in \[0, 1\]"):
        d.by(sat["period"]).composite([sat["e1"], sat["s2"]])


def test_poststratify_and_rake_labels_must_match_the_population(sat):
    d = Design(sat["w"], sat["province"], sat["counter"])
    totals = {"2026-07": 1000.0}
    with pytest.raises(ValueError, match=r"groups \['2026-08'\] are in the sample but have no population total"):
        d.poststratify(sat["period"], totals)
    with pytest.raises(ValueError, match=r"population groups \['2026-09'\] have no sample rows"):
        d.poststratify(sat["period"], {"2026-07": 1.0, "2026-08": 1.0, "2026-09": 1.0})
    with pytest.raises(ValueError, match="must be positive"):
        d.poststratify(sat["period"], {"2026-07": 1.0, "2026-08": -5.0})
    with pytest.raises(ValueError, match="no population total"):
        d.rake({"period": (sat["period"], totals)})


def test_empty_domains_and_unanswered_items(sat):
    d = Design(sat["w"], sat["province"], sat["counter"])
    table_ = d.by(sat["period"]).proportion(sat["e1"])
    with pytest.raises(ValueError, match="domain '2030-01' is not in this table"):
        table_["2030-01"]
    with pytest.raises(ValueError, match="domain 'nowhere'"):
        table_.contrast({"2026-07": 1, "nowhere": -1})
    unanswered = np.where(sat["period"] == "2026-07", np.nan, sat["e1"])
    by_period = d.by(sat["period"]).proportion(unanswered)
    assert by_period.labels.tolist() == ["2026-08"]
    with pytest.raises(ValueError, match="'2026-07' is not in this table"):
        by_period["2026-07"]
    with pytest.raises(ValueError, match="no answered rows"):
        d.proportion(np.full(len(sat["w"]), np.nan))


def test_other_options_are_checked(sat):
    w, strata, clusters = small()
    d = Design(w, strata, clusters)
    y = np.array([0, 1, 1, 0, 1, 1, 0, 1.0])
    with pytest.raises(ValueError, match="unknown interval method 'exact'"):
        d.proportion(y).ci(method="exact")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        d.proportion(y).ci(level=95)
    with pytest.raises(ValueError, match="outside \\[0, 1\\] takes 'wald'"):
        d.mean(y * 5).ci(method="beta")
    with pytest.raises(ValueError, match="variance must be one of"):
        Design(w, strata, clusters, variance="bootstrap")
    with pytest.raises(ValueError, match="JK1 is for an unstratified design"):
        Design(w, strata, clusters, variance="jk1").mean(y)
    with pytest.raises(ValueError, match="composite has 2 elements but 3 weights"):
        d.composite([y, y], weights=[1, 2, 3])
    with pytest.raises(ValueError, match="fpc varies within stratum"):
        Design(w, strata, clusters, fpc=np.array([10, 10, 11, 10, 5, 5, 5, 5.0]))
    with pytest.raises(ValueError, match="below the sampled clusters"):
        Design(w, strata, clusters, fpc=np.array([1.5] * 4 + [5.0] * 4))
    with pytest.raises(ValueError, match="lower < upper"):
        d.trim(upper=1, lower=2)
    with pytest.raises(ValueError, match="trim the weights before"):
        d.poststratify(strata, {"a": 10, "b": 12}).trim(upper=3)
    with pytest.raises(ValueError, match="jackknife variance of a calibrated design"):
        d.poststratify(strata, {"a": 10, "b": 12}).jackknife().mean(y)
    with pytest.raises(ValueError, match="score transforms a mean"):
        d.proportion(y).score_0_100()


def test_proportion_at_one_falls_back_to_clopper_pearson_on_kish_n():
    n = 20
    d = Design(np.ones(n), clusters=np.arange(n) // 2)
    e = d.proportion(np.ones(n))
    assert e.value == 1.0 and e.se == 0.0
    assert e.interval_note == "clopper-pearson-kish"
    low, high = e.ci()
    assert high == 1.0
    assert low == pytest.approx(0.025 ** (1 / n), rel=1e-12)  # exact binomial bound for n successes in n
    e0 = d.proportion(np.zeros(n))
    assert e0.ci(method="logit") == pytest.approx((0.0, 1 - 0.025 ** (1 / n)), rel=1e-12)
    # unequal weights: Kish's n (Σw)²/Σw² replaces n
    w = np.linspace(1, 3, n)
    kish = w.sum() ** 2 / (w * w).sum()
    e = Design(w, clusters=np.arange(n) // 2).proportion(np.ones(n))
    assert e.n_kish == pytest.approx(kish)
    assert e.n_eff == pytest.approx(kish)  # p(1-p)/se² is 0/0 here: Kish's n stands in
    assert e.ci()[0] == pytest.approx(sps.beta.ppf(0.025, kish, 1.0), rel=1e-12)


def test_plain_numbers_agree_with_direct_formulas(sat):
    """Point estimates against numpy written out, independent of the engine."""
    w, s1, e1 = sat["w"], sat["s1"], sat["e1"]
    d = Design(w, sat["province"], sat["counter"])
    answered = ~np.isnan(s1)
    mean = np.average(s1[answered], weights=w[answered])
    assert d.mean(s1).value == pytest.approx(mean, rel=1e-12)
    assert d.mean(s1).score_0_100().value == pytest.approx(100 * (mean - 1) / 4, rel=1e-12)
    assert d.mean(s1).score_0_100().se == pytest.approx(25 * d.mean(s1).se, rel=1e-12)
    answered = ~np.isnan(e1)
    assert d.proportion(e1).value == pytest.approx(np.average(e1[answered], weights=w[answered]), rel=1e-12)
    shares = [np.average(sat[k][~np.isnan(sat[k])], weights=w[~np.isnan(sat[k])]) for k in
              ("e1", "e2", "e3", "e4", "e5")]
    assert d.composite([sat[k] for k in ("e1", "e2", "e3", "e4", "e5")]).value == pytest.approx(np.mean(shares))


def test_domain_table_shape_and_records(sat):
    d = Design(sat["w"], sat["province"], sat["counter"], sat["fpc"])
    t = d.by(sat["period"]).proportion(sat["e1"])
    assert list(t) == ["2026-07", "2026-08"] == t.labels.tolist()
    assert len(t) == 2 and t.values.shape == t.ses.shape == t.dfs.shape == (2,)
    assert [label for label, _ in t.items()] == list(t)
    low, high = t.ci(method="wilson")
    records = t.to_records(method="wilson")
    assert [r["label"] for r in records] == list(t)
    for i, r in enumerate(records):
        assert r["value"] == t.values[i] and r["ci_low"] == low[i] and r["ci_high"] == high[i]
        assert r["ci_low"] < r["value"] < r["ci_high"]
        assert r["interval_note"] is None
        assert t[r["label"]].ci(method="wilson") == (low[i], high[i])
    # every method brackets the estimate
    for method in ("beta", "logit", "xlogit", "wilson", "jeffreys", "wald"):
        for _, e in t.items():
            lo, hi = e.ci(method=method)
            assert lo < e.value < hi


def test_labels_of_any_dtype(sat):
    codes = {p: i for i, p in enumerate(sorted(set(sat["province"].tolist())))}
    strata_int = np.array([codes[p] for p in sat["province"].tolist()])
    numbers = {c: 1000 + 7 * i for i, c in enumerate(sorted(set(sat["counter"].tolist())))}
    counters = np.array([numbers[c] for c in sat["counter"].tolist()], dtype=np.int64)
    by_text = Design(sat["w"], sat["province"], sat["counter"]).by(sat["period"]).mean(sat["s1"])
    by_codes = Design(sat["w"], strata_int, counters).by(sat["period"] == "2026-08").mean(sat["s1"])
    assert by_codes.labels.tolist() == [False, True]
    assert by_codes[True].se == pytest.approx(by_text["2026-08"].se, rel=1e-12)
    assert not math.isnan(by_codes[False].value)
