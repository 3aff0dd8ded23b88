import numpy as np
import pytest
from scipy import stats as sps

from stats import Design
from stats.target import (
    INCONCLUSIVE,
    INSUFFICIENT_DATA,
    MET,
    NOT_MET,
    REASON_AT_TARGET,
    REASON_NO_ESTIMATE,
    TargetRule,
    classify,
    responses_to_settle,
    target_report_from_arrays,
    target_verdicts,
    weeks_to_settle,
)
from tests.stats.fixtures.layer.design_reference import overall_by_unit_and_period, synthetic_survey

TAU = 0.95


def beta_lower(successes: float, n_eff: float) -> float:
    """Clopper-Pearson one-sided 95% lower bound, straight from scipy's beta distribution."""
    return 0.0 if successes == 0 else sps.beta.ppf(0.05, successes, n_eff - successes + 1)


def beta_upper(successes: float, n_eff: float) -> float:
    return 1.0 if successes == n_eff else sps.beta.ppf(0.95, successes + 1, n_eff - successes)


def test_classify_each_rule():
    lower = np.array([0.96, 0.90, 0.90, 0.97, 0.97])
    upper = np.array([0.99, 0.94, 0.97, 0.99, 0.99])
    n = np.array([100, 100, 100, 29, 100])
    n_eff = np.array([80, 80, 80, 29, 9.5])
    verdict = classify(lower, upper, n, n_eff, TargetRule(tau=TAU, min_n=30, min_n_eff=10))
    assert list(verdict) == [MET, NOT_MET, INCONCLUSIVE, INSUFFICIENT_DATA, INSUFFICIENT_DATA]


def test_classify_bound_exactly_at_target_is_met_but_upper_at_target_is_not_not_met():
    verdict = classify([0.95, 0.90], [0.99, 0.95], [100, 100], [100, 100], TargetRule(tau=TAU))
    assert list(verdict) == [MET, INCONCLUSIVE]


@pytest.mark.parametrize(
    "p, n, n_eff",
    [(0.97, 60, 40.0), (0.99, 35, 35.0), (0.93, 200, 120.0), (0.90, 40, 25.0), (1.0, 12, 12.0), (0.962, 300, 150.0)],
)
def test_solved_count_settles_and_one_fewer_does_not(p, n, n_eff):
    further = int(responses_to_settle([p], [n], [n_eff], TargetRule(tau=TAU)).further[0])
    deff = n / n_eff

    def settles(m: int) -> bool:
        ne = (n + m) / deff
        if p > TAU:
            return beta_lower(ne * p, ne) >= TAU
        return beta_upper(ne * p, ne) < TAU

    assert further >= 1
    assert settles(further)
    assert not settles(further - 1)


def test_estimate_of_one_settles_at_the_closed_form_count():
    # p̂ = 1: the lower bound is 0.05^(1/n), so the verdict settles once n ≥ log(0.05)/log(0.95).
    needed = int(np.ceil(np.log(0.05) / np.log(0.95)))
    further = responses_to_settle([1.0], [10], [10.0]).further[0]
    assert further == needed - 10


def test_estimate_at_target_never_settles():
    projection = responses_to_settle([TAU, 0.5], [100, 100], [80.0, 80.0], TargetRule(tau=TAU))
    assert projection.further[0] == -1
    assert projection.reason[0] == REASON_AT_TARGET
    assert projection.further[1] == 0


def test_no_responses_has_no_projection():
    projection = responses_to_settle([np.nan], [0], [0.0])
    assert projection.further[0] == -1
    assert projection.reason[0] == REASON_NO_ESTIMATE


def test_larger_design_effect_needs_more_responses():
    plain, clustered = responses_to_settle([0.97, 0.97], [100, 100], [100.0, 50.0]).further
    assert clustered > plain


@pytest.mark.parametrize("method", ["jeffreys", "wilson", "logit", "wald"])
def test_other_methods_settle_at_the_solved_count(method):
    p, n = 0.975, 80
    further = int(responses_to_settle([p], [n], [n], TargetRule(method=method)).further[0])
    z = sps.norm.ppf(0.95)

    def lower(m: int) -> float:
        ne = n + m
        if method == "jeffreys":
            return sps.beta.ppf(0.05, ne * p + 0.5, ne * (1 - p) + 0.5)
        if method == "wilson":
            centre = (p + z * z / (2 * ne)) / (1 + z * z / ne)
            return centre - z / (1 + z * z / ne) * np.sqrt(p * (1 - p) / ne + z * z / (4 * ne * ne))
        if method == "logit":
            return 1 / (1 + np.exp(-(np.log(p / (1 - p)) - z / np.sqrt(ne * p * (1 - p)))))
        return p - z * np.sqrt(p * (1 - p) / ne)

    assert lower(further) >= TAU > lower(further - 1)


def test_report_adds_the_minimum_sample_for_small_domains_and_zero_for_settled():
    report = target_report_from_arrays(
        labels=("a", "b", "c"),
        estimate=[0.99, 0.97, 0.99],
        lower=[0.97, 0.93, 0.90],
        upper=[0.999, 0.99, 0.999],
        n=[200, 100, 10],
        n_eff=[200.0, 100.0, 10.0],
    )
    assert [r.verdict for r in report.records()] == [MET, INCONCLUSIVE, INSUFFICIENT_DATA]
    assert report["a"].further_responses == 0
    assert report["b"].further_responses == responses_to_settle([0.97], [100], [100.0]).further[0]
    assert report["c"].further_responses >= 20
    assert report.counts() == {MET: 1, NOT_MET: 0, INCONCLUSIVE: 1, INSUFFICIENT_DATA: 1}


def test_vectorised_over_many_domains_matches_one_at_a_time():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.85, 0.999, 200)
    n = rng.integers(30, 400, 200).astype(float)
    n_eff = n / rng.uniform(1, 3, 200)
    together = responses_to_settle(p, n, n_eff).further
    alone = [responses_to_settle([a], [b], [c]).further[0] for a, b, c in zip(p[:15], n[:15], n_eff[:15])]
    assert list(together[:15]) == alone


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(tau=1.0), "tau"),
        (dict(tau=0.0), "tau"),
        (dict(method="exact"), "unknown interval method"),
        (dict(one_sided_level=0.4), "one_sided_level"),
        (dict(min_n=0), "min_n"),
    ],
)
def test_bad_rule_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TargetRule(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(p=[0.9], n=[10, 11], n_eff=[10]), "differ in length"),
        (dict(p=[], n=[], n_eff=[]), "empty"),
    ],
)
def test_bad_arrays_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        responses_to_settle(**kwargs)


def test_report_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="labels"):
        target_report_from_arrays(("a",), [0.9, 0.8], [0.8, 0.7], [0.95, 0.9], [50, 50], [50, 50])


def test_verdicts_from_a_design_follow_the_korn_graubard_one_sided_bounds():
    table = overall_by_unit_and_period(synthetic_survey(seed=21, rows=2400))
    rule = TargetRule(tau=0.8, min_n=20, min_n_eff=5)
    report = target_verdicts(table, rule)
    seen = set()
    for i, label in enumerate(table.labels.tolist()):
        e = table[label]
        # svyciprop(method="beta") at level 0.90, written out.
        n_eff = e.value * (1 - e.value) / e.se**2
        n_eff *= (sps.t.ppf(0.05, e.n - 1) / sps.t.ppf(0.05, e.df)) ** 2
        x = n_eff * e.value
        lower = sps.beta.ppf(0.05, x, n_eff - x + 1)
        upper = sps.beta.ppf(0.95, x + 1, n_eff - x)
        expected = MET if lower >= 0.8 else NOT_MET if upper < 0.8 else INCONCLUSIVE
        if e.n < 20:
            expected = INSUFFICIENT_DATA
        assert report.lower[i] == pytest.approx(lower, rel=1e-9)
        assert report.verdict[i] == expected
        seen.add(expected)
    assert len(seen) >= 2
    from_mapping = target_verdicts({label: table[label] for label in table.labels.tolist()}, rule)
    assert list(from_mapping.verdict) == list(report.verdict)
    assert list(from_mapping.further_responses) == list(report.further_responses)


# --- responses to settle from the domain's own interval (estimate, design effect, cell mix, df) ------------
def korn_graubard_lower(p: float, se: float, df: float, n: float) -> float:
    """One-sided 95% Korn-Graubard lower bound written out from the formula (R's svyciprop, level 0.90)."""
    n_eff = p * (1 - p) / se**2 * (sps.t.ppf(0.05, n - 1) / sps.t.ppf(0.05, df)) ** 2
    return beta_lower(n_eff * p, n_eff)


def test_srs_all_satisfied_settles_where_clopper_pearson_on_kish_n_says():
    # 40 of 40 satisfied, equal weights: the interval is Clopper-Pearson on n = 40, lower bound 0.05^(1/n),
    # which clears 0.95 from n = ceil(log 0.05 / log 0.95) = 59 on: 19 more responses.
    d = Design(np.full(40, 3.0))
    report = target_verdicts(d.by(np.zeros(40)).proportion(np.ones(40)))
    assert report.verdict[0] == INCONCLUSIVE
    assert report.further_responses[0] == int(np.ceil(np.log(0.05) / np.log(0.95))) - 40 == 19


def test_srs_proportion_settles_at_the_hand_computed_korn_graubard_count():
    # 194 of 200 satisfied, SRS: se² = p(1-p)/(n-1), df = n - 1; m more responses keep deff = n/(n-1)
    # and grow df in proportion, df·(n+m)/n.
    n, x = 200, 194
    y = np.r_[np.ones(x), np.zeros(n - x)]
    table = Design(np.full(n, 2.5)).by(np.zeros(n)).proportion(y)
    report = target_verdicts(table)
    p = x / n
    assert report.verdict[0] == INCONCLUSIVE
    assert report.lower[0] == pytest.approx(korn_graubard_lower(p, np.sqrt(p * (1 - p) / (n - 1)), n - 1, n))

    def lower(m: int) -> float:
        se = np.sqrt(p * (1 - p) * (n / (n - 1)) / (n + m))
        return korn_graubard_lower(p, se, (n - 1) * (n + m) / n, n + m)

    m = int(report.further_responses[0])
    assert lower(m) >= TAU > lower(m - 1)
    assert m > 1


def test_clustered_units_project_their_own_interval_and_rarely_need_one():
    """Units of 1-4 counters (df 0-3): before, the projection ignored df and most small units showed 1."""
    rng = np.random.default_rng(14)
    units, counters, strata, y, w = [], [], [], [], []
    c = 0
    for u in range(300):
        p_u = rng.uniform(0.88, 0.99)
        for _ in range(rng.integers(1, 5)):
            m = int(rng.integers(15, 90))
            y += list((rng.random(m) < np.clip(p_u + rng.normal(0, 0.03), 0, 1)).astype(float))
            units += [u] * m
            counters += [c] * m
            strata += [u // 30] * m
            w += [rng.uniform(5, 30)] * m
            c += 1
    d = Design(np.array(w), np.array(strata), np.array(counters), lonely_psu="adjust")
    table = d.by(np.array(units)).proportion(np.array(y))
    report = target_verdicts(table)
    inconclusive = np.flatnonzero(report.verdict == INCONCLUSIVE)
    assert len(inconclusive) > 100
    further = report.further_responses[inconclusive]
    at_target = report.reason[inconclusive] == REASON_AT_TARGET  # e.g. 76 of 80 satisfied, 0.95 exactly
    assert at_target.sum() <= 2 and (further[~at_target] >= 1).all()
    assert (further == 1).mean() < 0.02
    for i in inconclusive[:40]:
        e = table[table.labels[i]]
        if e.df < 1 or e.se == 0:
            continue
        deff = e.n / (e.value * (1 - e.value) / e.se**2)

        def bound(m: int) -> float:
            se = np.sqrt(e.value * (1 - e.value) * deff / (e.n + m))
            n_eff = e.value * (1 - e.value) / se**2 * (sps.t.ppf(0.05, e.n + m - 1)
                                                        / sps.t.ppf(0.05, e.df * (e.n + m) / e.n)) ** 2
            x = n_eff * e.value
            return beta_lower(x, n_eff) if e.value > TAU else beta_upper(x, n_eff)

        def settles(m: int) -> bool:
            return bound(m) >= TAU if e.value > TAU else bound(m) < TAU

        m = int(report.further_responses[i])
        assert settles(m) and not settles(m - 1), (e, m)


def test_estimate_within_rounding_of_the_target_is_not_reachable():
    projection = responses_to_settle([TAU + 1e-12, TAU + 1e-3], [100, 100], [80.0, 80.0], df=[50, 50],
                                     se=[0.02, 0.02], n_kish=[90, 90])
    assert projection.further[0] == -1 and projection.reason[0] == REASON_AT_TARGET
    assert projection.further[1] > 0 and projection.reason[1] == ""


def test_zero_variance_projects_on_kish_n_like_the_interval():
    # se 0 inside (0, 1): the interval is Clopper-Pearson on Kish's n, and so is the projection.
    p, n, kish = 0.99, 60, 45.0
    projection = responses_to_settle([p], [n], [kish], df=[10], se=[0.0], n_kish=[kish])
    m = int(projection.further[0])

    def lower(extra: int) -> float:
        n_k = kish * (n + extra) / n
        return beta_lower(n_k * p, n_k)

    assert lower(m) >= TAU > lower(m - 1)


def test_weeks_to_settle_at_the_recent_response_rate():
    weeks = weeks_to_settle([30, 0, -1, 30], [7.0, 7.0, 7.0, 0.0])
    assert weeks[0] == 5 and weeks[1] == 0
    assert np.isnan(weeks[2]) and np.isnan(weeks[3])
