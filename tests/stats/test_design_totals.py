"""Estimates from cluster totals (what a SQL GROUP BY returns) equal the estimates from rows."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from stats import ClusterTotals, Design
from stats.design import cluster_totals_from_rows
from tests.stats.conftest import population, r_case, table

TOL = 1e-10
ELEMENTS = [f"e{k}" for k in range(1, 6)]


@pytest.fixture(scope="module")
def sat():
    return table("satisfaction.csv")


def fpc_map(t) -> dict[str, float]:
    return dict(zip(t["province"].tolist(), t["fpc"].tolist()))


def group_by(t, domain: str | None, calibration: tuple[str, ...] = (), items=ELEMENTS + ["s1"]) -> ClusterTotals:
    """A plain-Python GROUP BY stratum, cluster, domain, calibration variables, as SQL would compute it."""
    sums = defaultdict(lambda: defaultdict(float))
    for i in range(len(t["w"])):
        key = (t["province"][i], t["counter"][i], None if domain is None else t[domain][i],
               *(t[c][i] for c in calibration))
        w = t["w"][i]
        g = sums[key]
        g["rows"] += w > 0
        g["weight"] += w
        g["weight_sq"] += w * w
        for item in items:
            y = t[item][i]
            if not np.isnan(y):
                g[f"{item}.weight"] += w
                g[f"{item}.weighted"] += w * y
                g[f"{item}.weight_sq"] += w * w
                g[f"{item}.weighted_sq"] += w * y * y
                g[f"{item}.count"] += w > 0
                g[f"{item}.plain"] += y
    keys = list(sums)
    column = lambda name: np.array([sums[k][name] for k in keys])  # noqa: E731
    fields = ("weight", "weighted", "weight_sq", "weighted_sq", "count", "plain")
    return ClusterTotals.from_groups(
        stratum=np.array([k[0] for k in keys]), cluster=np.array([k[1] for k in keys]),
        domain=None if domain is None else np.array([k[2] for k in keys]),
        rows=column("rows"), weight=column("weight"), weight_sq=column("weight_sq"),
        items={item: {f: column(f"{item}.{f}") for f in fields} for item in items},
        calibration={c: np.array([k[3 + j] for k in keys]) for j, c in enumerate(calibration)} or None)


def assert_same(a, b, method: str | None = None) -> None:
    for field in ("value", "se", "df", "n", "n_eff", "n_kish"):
        x, y = getattr(a, field), getattr(b, field)
        assert x == pytest.approx(y, rel=TOL, abs=1e-14, nan_ok=True), f"{field}: {x} != {y}"
    assert a.ci(method=method) == pytest.approx(b.ci(method=method), rel=TOL, abs=1e-14, nan_ok=True)
    assert a.interval_note == b.interval_note


def assert_same_table(rows, totals, method: str | None = None) -> None:
    assert sorted(rows.labels.tolist()) == sorted(totals.labels.tolist())
    for label in rows:
        assert_same(rows[label], totals[label], method)


@pytest.mark.parametrize("build", ["from_rows", "group_by"])
def test_overall_estimates_from_totals_equal_rows(sat, build):
    t = sat
    d = Design(t["w"], t["province"], t["counter"], t["fpc"])
    totals = cluster_totals_from_rows(t["w"], t["province"], t["counter"], items={k: t[k] for k in ELEMENTS + ["s1"]}) \
        if build == "from_rows" else group_by(t, None)
    td = Design.from_cluster_totals(totals, fpc=fpc_map(t))
    assert_same(d.mean(t["s1"]), td.mean("s1"))
    for method in ("beta", "logit", "wilson", "jeffreys", "wald"):
        assert_same(d.proportion(t["e1"]), td.proportion("e1"), method)
    assert_same(d.total(t["e2"]), td.total("e2"))
    assert_same(d.composite([t[k] for k in ELEMENTS], weights=[1, 2, 1, 1, 3]),
                td.composite(ELEMENTS, weights=[1, 2, 1, 1, 3]))
    jk_rows, jk_totals = d.jackknife(), td.jackknife()
    assert_same(jk_rows.mean(t["s1"]), jk_totals.mean("s1"))


@pytest.mark.parametrize("domain", ["period", "commune"])
@pytest.mark.parametrize("build", ["from_rows", "group_by"])
def test_domain_tables_contrast_composite_from_totals_equal_rows(sat, domain, build):
    t = sat
    d = Design(t["w"], t["province"], t["counter"], t["fpc"])
    totals = cluster_totals_from_rows(t["w"], t["province"], t["counter"], domain=t[domain],
                                     items={k: t[k] for k in ELEMENTS + ["s1"]}) \
        if build == "from_rows" else group_by(t, domain)
    by_totals = Design.from_cluster_totals(totals, fpc=fpc_map(t)).by()
    by_rows = d.by(t[domain])
    assert_same_table(by_rows.proportion(t["e1"]), by_totals.proportion("e1"))
    assert_same_table(by_rows.proportion(t["e4"]), by_totals.proportion("e4"), "logit")
    assert_same_table(by_rows.mean(t["s1"]), by_totals.mean("s1"))
    assert_same_table(by_rows.composite([t[k] for k in ELEMENTS]), by_totals.composite(ELEMENTS))
    labels = sorted(set(t[domain].tolist()))[:2]
    contrast = {labels[0]: 1.0, labels[1]: -1.0}
    assert_same(by_rows.proportion(t["e1"]).contrast(contrast), by_totals.proportion("e1").contrast(contrast))


def test_poststratification_and_raking_from_totals_equal_rows(sat):
    t = sat
    d = Design(t["w"], t["province"], t["counter"], t["fpc"])
    units = population("unit_totals.csv", "unit")
    totals = group_by(t, "period", ("unit",))
    post_rows = d.poststratify(t["unit"], units)
    post_totals = Design.from_cluster_totals(totals, fpc=fpc_map(t)).poststratify("unit", units)
    assert_same(post_rows.mean(t["s1"]), post_totals.mean("s1"))
    r = r_case("sat-post/mean/s1")  # and R's postStratify, directly
    assert post_totals.mean("s1").value == pytest.approx(r["value"], rel=1e-6)
    assert post_totals.mean("s1").se == pytest.approx(r["se"], rel=1e-6)
    assert_same_table(post_rows.by(t["period"]).proportion(t["e1"]), post_totals.by().proportion("e1"))
    margins = {"province": population("province_totals.csv", "province"),
               "period": population("period_totals.csv", "period")}
    raked_rows = d.rake({name: (t[name], margin) for name, margin in margins.items()})
    raked_totals = Design.from_cluster_totals(group_by(t, "commune", ("province", "period")),
                                              fpc=fpc_map(t)).rake(margins)
    assert_same(raked_rows.mean(t["s1"]), raked_totals.mean("s1"))
    assert_same_table(raked_rows.by(t["commune"]).proportion(t["e2"]), raked_totals.by().proportion("e2"))


def test_totals_without_the_calibration_variable_or_item_are_refused(sat):
    td = Design.from_cluster_totals(group_by(sat, "period"), fpc=fpc_map(sat))
    with pytest.raises(ValueError, match="unit"):
        td.poststratify("unit", population("unit_totals.csv", "unit"))
    with pytest.raises(ValueError, match="s9"):
        td.mean("s9")
    with pytest.raises(ValueError, match="fpc has no value for stratum"):
        Design.from_cluster_totals(group_by(sat, "period"), fpc={"P1": 10})
    with pytest.raises(ValueError, match="lacks the sums"):
        ClusterTotals.from_groups(stratum=["a"], cluster=["c"], rows=[1], weight=[1.0], weight_sq=[1.0],
                                  items={"y": {"weight": [1.0]}})


@pytest.mark.parametrize("seed", range(6))
def test_random_designs_with_zero_weights_agree_between_rows_and_group_by(seed):
    rng = np.random.default_rng(seed)
    n_strata = int(rng.integers(1, 4))
    counters = np.concatenate([[f"s{h}c{c}" for c in range(int(rng.integers(2, 6)))] for h in range(n_strata)])
    counter = counters[rng.integers(0, len(counters), 400)]
    counter[: len(counters)] = counters  # every counter answers at least once
    t = {"counter": counter, "province": np.array([c.split("c")[0] for c in counter]),
         "w": np.where(rng.random(400) < 0.05, 0.0, rng.gamma(2.0, 10.0, 400)),
         "period": rng.choice(["a", "b", "c"], 400), "unit": rng.choice(["u1", "u2", "u3", "u4"], 400)}
    for k in ELEMENTS + ["s1"]:
        y = (rng.random(400) < 0.8).astype(float) if k != "s1" else rng.integers(1, 6, 400).astype(float)
        y[rng.random(400) < 0.1] = np.nan
        t[k] = y
    d = Design(t["w"], t["province"], t["counter"], lonely_psu="adjust")
    by_totals = Design.from_cluster_totals(group_by(t, "period"), lonely_psu="adjust").by()
    by_rows = d.by(t["period"])
    assert_same_table(by_rows.proportion(t["e2"]), by_totals.proportion("e2"))
    assert_same_table(by_rows.mean(t["s1"]), by_totals.mean("s1"))
    assert_same_table(by_rows.composite([t[k] for k in ELEMENTS]), by_totals.composite(ELEMENTS))
    assert_same(by_rows.proportion(t["e1"]).contrast({"a": 1, "c": -1}), by_totals.proportion("e1").contrast({"a": 1, "c": -1}))
    units = {u: 1000.0 + 10 * i for i, u in enumerate(["u1", "u2", "u3", "u4"])}
    post_rows = d.poststratify(t["unit"], units).by(t["period"]).proportion(t["e3"])
    post_totals = Design.from_cluster_totals(group_by(t, "period", ("unit",)), lonely_psu="adjust") \
        .poststratify("unit", units).by().proportion("e3")
    assert_same_table(post_rows, post_totals)
