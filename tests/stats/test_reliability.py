import json
from pathlib import Path

import numpy as np
import pytest

from stats.reliability import cronbach_alpha

PSYCH = json.loads((Path(__file__).parent / "fixtures" / "layer" / "reliability_psych.json").read_text())


def psych_answers() -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in PSYCH["answers"]], dtype=float)


def test_matches_r_psych_alpha_on_complete_cases():
    result = cronbach_alpha(psych_answers(), items=PSYCH["items"])
    assert result.n_used == PSYCH["n_complete"]
    assert result.n_dropped == len(PSYCH["answers"]) - PSYCH["n_complete"]
    assert result.alpha == pytest.approx(PSYCH["raw_alpha"], rel=1e-9)
    assert result.standardized_alpha == pytest.approx(PSYCH["std_alpha"], rel=1e-9)
    assert list(result.item_total_correlation.values()) == pytest.approx(PSYCH["r_drop"], rel=1e-9)
    assert list(result.alpha_if_deleted.values()) == pytest.approx(PSYCH["alpha_if_deleted"], rel=1e-9)


def test_alpha_equals_the_average_covariance_form():
    # alpha = k·c̄ / (v̄ + (k−1)·c̄) with c̄ the mean inter-item covariance and v̄ the mean variance.
    x = psych_answers()
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    cov = np.cov(x, rowvar=False)
    mean_var = np.trace(cov) / k
    mean_cov = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    assert cronbach_alpha(x).alpha == pytest.approx(k * mean_cov / (mean_var + (k - 1) * mean_cov), rel=1e-12)


def test_item_total_correlation_is_correlation_with_the_rest():
    x = psych_answers()
    x = x[~np.isnan(x).any(axis=1)]
    result = cronbach_alpha(x)
    for j, value in enumerate(result.item_total_correlation.values()):
        rest = np.delete(x, j, axis=1).sum(axis=1)
        assert value == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1], rel=1e-12)


def test_integer_weights_equal_repeating_rows():
    rng = np.random.default_rng(7)
    x = psych_answers()[:80]
    w = rng.integers(1, 4, len(x))
    weighted = cronbach_alpha(x, weights=w)
    repeated = cronbach_alpha(np.repeat(x, w, axis=0))
    assert weighted.alpha == pytest.approx(repeated.alpha, rel=1e-12)
    assert weighted.item_total_correlation == pytest.approx(repeated.item_total_correlation, rel=1e-12)
    assert weighted.n_used == (~np.isnan(x).any(axis=1)).sum()


def test_unequal_weights_change_alpha():
    x = psych_answers()
    w = np.where(np.arange(len(x)) % 2 == 0, 1.0, 5.0)
    assert cronbach_alpha(x, weights=w).alpha != pytest.approx(cronbach_alpha(x).alpha, rel=1e-6)


@pytest.mark.parametrize(
    "answers, kwargs, message",
    [
        (np.ones(5), {}, "respondents × items"),
        (np.ones((5, 2)), {}, "at least 3 items"),
        (np.arange(15.0).reshape(5, 3), {"items": ["a", "b"]}, "item names"),
        (np.arange(15.0).reshape(5, 3), {"weights": np.ones(4)}, "weights"),
        (np.arange(15.0).reshape(5, 3), {"weights": -np.ones(5)}, "non-negative"),
        (np.full((5, 3), np.nan), {}, "fewer than 2 respondents"),
        (np.c_[np.ones(5), np.arange(5.0), np.arange(5.0) ** 2], {}, "without variance"),
    ],
)
def test_bad_input_is_rejected(answers, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cronbach_alpha(answers, **kwargs)
