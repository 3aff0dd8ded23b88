import numpy as np
import pytest
from scipy import stats as sps

from stats.smallarea import fit_prior, funnel, funnel_limits, rank_units, shrink, shrink_table
from tests.stats.fixtures.layer.design_reference import overall_by_unit_and_period, synthetic_survey

TRUE_ALPHA, TRUE_BETA = 17.0, 3.0


def synthetic_units(k: int, seed: int = 1, low: int = 20, high: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = rng.integers(low, high, k).astype(float)
    truth = rng.beta(TRUE_ALPHA, TRUE_BETA, k)
    return rng.binomial(n.astype(int), truth) / n, n


@pytest.mark.parametrize("method", ["moments", "mle"])
def test_prior_recovers_a_known_beta(method):
    p, n = synthetic_units(3000)
    prior = fit_prior(p, n, method)
    assert prior.alpha == pytest.approx(TRUE_ALPHA, rel=0.15)
    assert prior.beta == pytest.approx(TRUE_BETA, rel=0.15)
    assert prior.mean == pytest.approx(TRUE_ALPHA / (TRUE_ALPHA + TRUE_BETA), abs=0.01)


def test_moments_with_equal_sizes_match_the_textbook_beta_binomial_formula():
    # Method of moments for a beta-binomial with a common n (e.g. Wikipedia, "Beta-binomial
    # distribution"): from the first two moments m1, m2 of the counts,
    #   α = (n·m1 − m2) / (n·(m2/m1 − m1 − 1) + m1),  β = (n − m1)(n − m2/m1) / (n·(m2/m1 − m1 − 1) + m1).
    # Kleinman's weighted estimator uses the unbiased variance, so m2 is built from it here.
    rng = np.random.default_rng(5)
    n_common = 60
    counts = rng.binomial(n_common, rng.beta(TRUE_ALPHA, TRUE_BETA, 400))
    m1 = counts.mean()
    m2 = m1**2 + counts.var(ddof=1)
    denominator = n_common * (m2 / m1 - m1 - 1) + m1
    alpha = (n_common * m1 - m2) / denominator
    beta = (n_common - m1) * (n_common - m2 / m1) / denominator
    prior = fit_prior(counts / n_common, np.full(400, float(n_common)), "moments")
    assert prior.alpha == pytest.approx(alpha, rel=1e-9)
    assert prior.beta == pytest.approx(beta, rel=1e-9)


def test_mle_maximises_the_beta_binomial_likelihood():
    p, n = synthetic_units(400, seed=9)
    x = np.rint(p * n).astype(int)
    prior = fit_prior(p, n, "mle")

    def log_likelihood(a: float, b: float) -> float:
        return sps.betabinom.logpmf(x, n.astype(int), a, b).sum()

    best = log_likelihood(prior.alpha, prior.beta)
    for da, db in [(1.02, 1), (0.98, 1), (1, 1.02), (1, 0.98), (1.02, 1.02), (0.98, 0.98)]:
        assert best >= log_likelihood(prior.alpha * da, prior.beta * db)


def test_alike_units_shrink_fully_to_the_mean():
    prior = fit_prior(np.full(50, 0.8), np.full(50, 100.0))
    assert prior.overdispersion == pytest.approx(1e-6)
    result = shrink(range(50), np.full(50, 0.8), np.full(50, 100.0), prior=prior)
    assert np.allclose(result.posterior_mean, 0.8)


def test_small_units_are_pulled_towards_the_mean_more_than_large_ones():
    p, n = synthetic_units(500)
    p = np.append(p, [0.6, 0.6])
    n = np.append(n, [5.0, 500.0])
    result = shrink(range(len(p)), p, n)
    small, large = result.posterior_mean[-2:]
    assert result.prior.mean > 0.8
    assert abs(small - 0.6) > 3 * abs(large - 0.6)
    assert 0.6 < large < small < result.prior.mean
    assert result.weight_on_own_estimate[-2] < result.weight_on_own_estimate[-1]


def test_posterior_interval_is_the_beta_quantile():
    p, n = synthetic_units(100)
    result = shrink(range(100), p, n, level=0.9)
    a = result.prior.alpha + n * p
    b = result.prior.beta + n * (1 - p)
    assert result.lower == pytest.approx(sps.beta.ppf(0.05, a, b), rel=1e-10)
    assert result.upper == pytest.approx(sps.beta.ppf(0.95, a, b), rel=1e-10)


def test_a_unit_with_five_answers_is_neither_top_nor_bottom_by_chance():
    p, n = synthetic_units(300, low=100, high=400)
    labels = [f"u{i}" for i in range(300)] + ["five_all_satisfied", "five_two_satisfied", "big_excellent"]
    p = np.append(p, [1.0, 0.4, 0.99])
    n = np.append(n, [5.0, 5.0, 400.0])
    ranking = rank_units(shrink(labels, p, n), fraction=0.1, draws=2000, seed=11)
    top_raw, bottom_raw = np.argmax(p[:-1]), np.argmin(p)
    assert labels[top_raw] == "five_all_satisfied" and labels[bottom_raw] == "five_two_satisfied"
    assert ranking.prob_top[300] < 0.5
    assert ranking.prob_bottom[301] < 0.5
    assert ranking.prob_top[302] > 0.9
    five = ranking.rank_upper[300] - ranking.rank_lower[300]
    big = ranking.rank_upper[302] - ranking.rank_lower[302]
    assert five > 3 * big


def test_ranking_is_reproducible_with_its_seed():
    p, n = synthetic_units(50)
    shrunk = shrink(range(50), p, n)
    first, again = rank_units(shrunk, seed=3), rank_units(shrunk, seed=3)
    assert np.array_equal(first.prob_bottom, again.prob_bottom)
    assert np.array_equal(first.rank_lower, again.rank_lower)
    assert set(first.rank) == set(range(1, 51))
    assert np.all((first.rank_lower <= first.rank) & (first.rank <= first.rank_upper))


def brute_force_limit(size: int, p0: float, q: float) -> float:
    cumulative = 0.0
    for r in range(size + 1):
        previous = cumulative
        cumulative += sps.binom.pmf(r, size, p0)
        if cumulative >= q:
            return (r - (cumulative - q) / (cumulative - previous)) / size
    raise AssertionError("quantile not reached")


@pytest.mark.parametrize("size", [5, 20, 57, 300])
def test_exact_funnel_limits_match_a_brute_force_binomial_quantile(size):
    lower, upper = funnel_limits(0.85, [size], level=0.998)
    assert lower[0] == pytest.approx(brute_force_limit(size, 0.85, 0.001), rel=1e-9)
    assert upper[0] == pytest.approx(brute_force_limit(size, 0.85, 0.999), rel=1e-9)


def test_normal_funnel_limits_and_their_agreement_with_exact_for_large_n():
    lower, upper = funnel_limits(0.85, [100.0, 40000.0], level=0.95, method="normal")
    assert lower[0] == pytest.approx(0.85 - 1.959963985 * np.sqrt(0.85 * 0.15 / 100), rel=1e-9)
    exact_lower, exact_upper = funnel_limits(0.85, [40000.0], level=0.95)
    assert exact_lower[0] == pytest.approx(lower[1], abs=2e-4)
    assert exact_upper[0] == pytest.approx(upper[1], abs=2e-4)


def test_funnel_positions():
    point = funnel(["low", "mid", "high", "tiny"], [0.70, 0.85, 0.95, 0.5], [400, 400, 400, 4], p0=0.85)
    assert list(point.position) == ["below 0.998", "within", "above 0.998", "within"]
    assert point.lower.shape == (2, 4)
    slight = funnel(["a"], [0.81], [400], p0=0.85)
    assert slight.position[0] == "below 0.95"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fit_prior([0.5, 0.6], [10, 10], "bayes"), "unknown prior method"),
        (lambda: fit_prior([0.5], [10]), "at least 2 units"),
        (lambda: fit_prior([0.5, np.nan], [10, 10]), "finite proportions"),
        (lambda: fit_prior([0.5, 0.6], [10, 0]), "positive"),
        (lambda: fit_prior([0.5, 0.6], [10]), "equal length"),
        (lambda: fit_prior([1.0, 1.0], [10, 10]), "cannot be fitted"),
        (lambda: shrink(["a"], [0.5, 0.6], [10, 10]), "labels"),
        (lambda: shrink(["a", "b"], [0.5, 0.6], [10, 10], level=1.5), "level"),
        (lambda: funnel_limits(1.0, [10]), "p0"),
        (lambda: funnel_limits(0.8, [], 0.95), "non-empty"),
        (lambda: funnel_limits(0.8, [10], 0.95, "poisson"), "unknown funnel method"),
        (lambda: funnel(["a"], [0.5], [10], 0.8, levels=()), "levels"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_ranking_parameters_are_rejected():
    shrunk = shrink(range(3), [0.5, 0.6, 0.7], [10, 20, 30])
    with pytest.raises(ValueError, match="fraction"):
        rank_units(shrunk, fraction=0.8)
    with pytest.raises(ValueError, match="draws"):
        rank_units(shrunk, draws=10)


def test_shrink_table_uses_the_design_effective_sample_size():
    table = overall_by_unit_and_period(synthetic_survey(seed=12, rows=1200))
    result = shrink_table(table)
    p, se = table.values, table.ses
    assert result.labels == tuple(table.labels.tolist())
    assert result.n_eff == pytest.approx(p * (1 - p) / se**2, rel=1e-12)
    assert result.prior.alpha == fit_prior(p, p * (1 - p) / se**2).alpha
