import numpy as np
import pytest
from scipy import stats as sps

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
