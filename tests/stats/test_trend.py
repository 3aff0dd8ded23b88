import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from stats.design import Design
from stats.trend import change, ewma_chart, linear_trend, linear_trend_weights, mann_kendall, period_series
from tests.stats.fixtures.layer.design_reference import (
    linearised_variance,
    mean_and_influence,
    satisfied_overall,
    synthetic_survey,
)

PYMK = json.loads((Path(__file__).parent / "fixtures" / "layer" / "mann_kendall_pymannkendall.json").read_text())
SERIES = [name for name in PYMK if name != "pymannkendall_version"]


@pytest.mark.parametrize("name", SERIES)
def test_mann_kendall_matches_pymannkendall(name):
    reference = PYMK[name]
    result = mann_kendall(np.array(reference["values"]))
    assert result.s[0] == reference["s"]
    assert result.var_s[0] == pytest.approx(reference["var_s"], rel=1e-12)
    assert result.z[0] == pytest.approx(reference["z"], rel=1e-12, abs=1e-15)
    assert result.p_value[0] == pytest.approx(reference["p"], rel=1e-10)
    assert result.tau[0] == pytest.approx(reference["tau"], rel=1e-12)


def test_mann_kendall_by_hand_on_a_small_series_with_ties():
    x = [3.0, 1.0, 4.0, 1.0, 5.0]
    # Pairs (i<j) sign(x_j − x_i): from 3: −,+,−,+ (0); from 1: +,0,+ (2); from 4: −,+ (0); from 1: + (1) → S = 3.
    # One tie group of size 2: Var = (5·4·15 − 2·1·9)/18 = 282/18.
    result = mann_kendall(np.array(x))
    assert result.s[0] == 3
    assert result.var_s[0] == pytest.approx(282 / 18)
    assert result.z[0] == pytest.approx((3 - 1) / np.sqrt(282 / 18))


def test_mann_kendall_many_series_at_once_with_gaps():
    rng = np.random.default_rng(2)
    matrix = rng.normal(0.9, 0.02, (40, 10))
    matrix[3, [2, 7]] = np.nan
    matrix[5, :8] = np.nan
    together = mann_kendall(matrix)
    for row in (0, 3, 17):
        alone = mann_kendall(matrix[row][~np.isnan(matrix[row])])
        assert together.s[row] == alone.s[0]
        assert together.p_value[row] == pytest.approx(alone.p_value[0])
    assert not together.enough_data[5] and np.isnan(together.p_value[5])
    assert together.n[3] == 8


def test_ewma_limits_match_the_closed_form_for_constant_standard_errors():
    lam, L, sigma = 0.3, 2.7, 0.02
    t = np.arange(1, 13)
    chart = ewma_chart(np.full(12, 0.9), np.full(12, sigma), in_control_mean=0.9, lam=lam, L=L)
    width = L * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    assert chart.lower_limit == pytest.approx(0.9 - width, rel=1e-12)
    assert chart.upper_limit == pytest.approx(0.9 + width, rel=1e-12)
    assert not chart.alarm.any() and chart.first_alarm[0] == -1


def test_ewma_recursion_by_hand_and_alarm_on_a_drop():
    values = np.array([0.92, 0.91, 0.93, 0.92, 0.85, 0.84, 0.83])
    se = np.full(7, 0.01)
    chart = ewma_chart(values, se, baseline=4, lam=0.2, L=3.0)
    centre = values[:4].mean()
    z = centre
    for t, x in enumerate(values):
        z = 0.2 * x + 0.8 * z
        assert chart.ewma[t] == pytest.approx(z)
    assert chart.in_control_mean[0] == pytest.approx(centre)
    assert not chart.alarm[:4].any()
    assert chart.alarm[-1]
    assert chart.first_alarm[0] == np.argmax(chart.alarm)


def test_ewma_baseline_is_inverse_variance_weighted_and_gaps_hold_the_ewma():
    values = np.array([[0.90, 0.80, np.nan, 0.85]])
    se = np.array([[0.01, 0.02, np.nan, 0.01]])
    chart = ewma_chart(values, se, baseline=2)
    assert chart.in_control_mean[0] == pytest.approx((0.90 / 1e-4 + 0.80 / 4e-4) / (1 / 1e-4 + 1 / 4e-4))
    assert chart.ewma[0, 2] == chart.ewma[0, 1]
    assert chart.lower_limit[0, 2] == chart.lower_limit[0, 1]


def test_linear_trend_weights_give_the_least_squares_slope():
    times = np.array([0.0, 1.0, 2.0, 4.0])
    values = np.array([0.80, 0.83, 0.82, 0.90])
    assert linear_trend_weights(times) @ values == pytest.approx(np.polyfit(times, values, 1)[0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mann_kendall(np.array([0.9, 0.8])), "at least 3"),
        (lambda: mann_kendall(np.zeros((2, 2, 2))), "dimensions"),
        (lambda: mann_kendall(np.zeros((2, 0))), "no periods"),
        (lambda: ewma_chart([0.9, 0.8], [0.01], in_control_mean=0.9), "same"),
        (lambda: ewma_chart([0.9, 0.8], [0.01, 0.01]), "exactly one"),
        (lambda: ewma_chart([0.9, 0.8], [0.01, 0.01], in_control_mean=0.9, lam=0), "lam"),
        (lambda: ewma_chart([0.9, 0.8], [0.01, 0.01], in_control_mean=0.9, L=-1), "L must"),
        (lambda: ewma_chart([0.9, 0.8], [0.01, -0.01], in_control_mean=0.9), "non-negative"),
        (lambda: ewma_chart([0.9, 0.8], [0.01, 0.01], baseline=3), "baseline"),
        (lambda: ewma_chart([], [], in_control_mean=0.9), "no periods"),
        (lambda: linear_trend_weights([0, 1]), "at least 3"),
        (lambda: linear_trend_weights([0, 1, 1]), "distinct"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.fixture(scope="module")
def periods():
    survey = synthetic_survey(seed=8, rows=1600, periods=5)
    design = Design(survey["weights"], strata=survey["strata"], clusters=survey["clusters"])
    y = satisfied_overall(survey)
    return survey, y, design.by(survey["period"]).proportion(y)


def influence_of_period(survey, y, period):
    return mean_and_influence(y, survey["weights"], survey["period"] == period)


def test_change_has_the_design_based_standard_error_with_the_covariance(periods):
    survey, y, table = periods
    later_value, later_z = influence_of_period(survey, y, 4)
    earlier_value, earlier_z = influence_of_period(survey, y, 1)
    se = np.sqrt(linearised_variance(later_z - earlier_z, survey["strata"], survey["clusters"]))
    result = change(table, 4, 1)
    assert result.test.value == pytest.approx(later_value - earlier_value, rel=1e-12)
    assert result.test.se == pytest.approx(se, rel=1e-9)
    # The same counters answer in both periods, so their covariance is positive and ignoring it
    # overstates the standard error of the change.
    independent = np.hypot(
        np.sqrt(linearised_variance(later_z, survey["strata"], survey["clusters"])),
        np.sqrt(linearised_variance(earlier_z, survey["strata"], survey["clusters"])),
    )
    assert result.se_if_independent == pytest.approx(independent, rel=1e-9)
    assert result.test.se < 0.9 * result.se_if_independent
    assert result.test.lower < result.test.value < result.test.upper
    assert 0 < result.test.p_value < 1


def test_linear_trend_is_the_least_squares_slope_with_design_variance(periods):
    survey, y, table = periods
    order = [0, 1, 2, 3, 4]
    values, influences = zip(*(influence_of_period(survey, y, t) for t in order))
    weights = linear_trend_weights(order)
    se = np.sqrt(linearised_variance(sum(c * z for c, z in zip(weights, influences)), survey["strata"], survey["clusters"]))
    result = linear_trend(table, order)
    assert result.slope.value == pytest.approx(np.polyfit(order, values, 1)[0], rel=1e-10)
    assert result.slope.se == pytest.approx(se, rel=1e-9)
    assert result.slope.p_value == pytest.approx(2 * sps.t.sf(abs(result.slope.t), result.slope.df))


def test_period_series_in_the_given_order(periods):
    _, _, table = periods
    series = period_series(table, periods=[3, 1, 2])
    assert series.labels == (3, 1, 2)
    assert series.value[0] == table[3].value
    assert series.lower[1] == pytest.approx(table[1].ci(0.95, "beta")[0])
    assert period_series(table).labels == (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda table: change(table, 2, 2), "two different periods"),
        (lambda table: change(table, 9, 2), "9"),
        (lambda table: linear_trend(table, [0, 1]), "at least 3"),
        (lambda table: linear_trend(table, [0, 1, 2], times=[0, 1]), "times has 2"),
        (lambda table: period_series(table, periods=[]), "empty"),
        (lambda table: period_series(table, periods=[1, 1]), "repeated"),
    ],
)
def test_bad_period_arguments_are_rejected(periods, call, message):
    with pytest.raises(ValueError, match=message):
        call(periods[2])
