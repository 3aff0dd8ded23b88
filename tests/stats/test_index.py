import json

import numpy as np
import pytest
from scipy import stats as sps

from stats.design import Design
from stats.index import ElementSpec, IndexSpec, element_indicators, satisfaction_index
from tests.stats.fixtures.layer.design_reference import (
    linearised_variance,
    mean_and_influence,
    satisfied_overall,
    synthetic_survey,
)

ELEMENTS = ("e1", "e2", "e3", "e4", "e5")
SPEC = {
    "elements": [{"key": f"element_{code}", "weight": 0.2, "item_codes": [code]} for code in ELEMENTS],
    "satisfied_values": [4, 5],
    "overall_item": "overall",
    "scale_min": 1,
    "scale_max": 5,
}


@pytest.fixture(scope="module")
def survey():
    return synthetic_survey()


@pytest.fixture(scope="module")
def design(survey):
    return Design(survey["weights"], strata=survey["strata"], clusters=survey["clusters"])


def answers_of(survey):
    return {code: survey[code] for code in (*ELEMENTS, "overall")}


def satisfied(column):
    return np.where(np.isnan(column), np.nan, (column >= 4).astype(float))


def reference(survey, in_domain, weights=None):
    """Element indices, composite and its SE, written out from the definitions."""
    w = survey["weights"]
    a = np.full(5, 0.2) if weights is None else np.asarray(weights) / np.sum(weights)
    elements, z = [], np.zeros(len(w))
    for coefficient, code in zip(a, ELEMENTS):
        value, influence = mean_and_influence(satisfied(survey[code]), w, in_domain)
        elements.append(value)
        z += coefficient * influence
    se = np.sqrt(linearised_variance(z, survey["strata"], survey["clusters"]))
    return elements, float(a @ elements), se


def test_whole_design_matches_the_definitions(survey, design):
    result = satisfaction_index(SPEC, answers_of(survey), design)
    elements, composite, se = reference(survey, np.ones(len(survey["weights"]), bool))
    assert [f.value for f in result.elements.values()] == pytest.approx(elements, rel=1e-12)
    assert result.composite.value == pytest.approx(composite, rel=1e-12)
    assert result.composite.se == pytest.approx(se, rel=1e-9)
    assert result.composite.lower < composite < result.composite.upper
    overall, overall_z = mean_and_influence(satisfied_overall(survey), survey["weights"], np.ones(900, bool))
    assert result.overall.value == pytest.approx(overall, rel=1e-12)
    assert result.overall.se == pytest.approx(np.sqrt(linearised_variance(overall_z, survey["strata"], survey["clusters"])), rel=1e-9)


def test_unequal_element_weights(survey, design):
    spec = dict(SPEC, elements=[dict(e, weight=w) for e, w in zip(SPEC["elements"], [3, 1, 1, 1, 2])])
    result = satisfaction_index(spec, answers_of(survey), design)
    _, composite, se = reference(survey, np.ones(900, bool), weights=[3, 1, 1, 1, 2])
    assert result.composite.value == pytest.approx(composite, rel=1e-12)
    assert result.composite.se == pytest.approx(se, rel=1e-9)


def test_mean_score_index_is_the_rescaled_mean(survey, design):
    result = satisfaction_index(SPEC, answers_of(survey), design)
    mean, z = mean_and_influence(survey["e3"], survey["weights"], np.ones(900, bool))
    se = np.sqrt(linearised_variance(z, survey["strata"], survey["clusters"]))
    score = result.mean_scores["e3"]
    assert score.value == pytest.approx(100 * (mean - 1) / 4, rel=1e-12)
    assert score.se == pytest.approx(25 * se, rel=1e-9)
    assert score.lower == pytest.approx(100 * (mean - 1) / 4 - 25 * se * sps.t.ppf(0.975, score.df), rel=1e-9)


@pytest.mark.parametrize("domain_name", ["unit", "period"])
def test_by_domain_matches_the_definitions_per_domain(survey, design, domain_name):
    table = satisfaction_index(SPEC, answers_of(survey), design, domain=survey[domain_name])
    assert table.labels == tuple(np.unique(survey[domain_name]).tolist())
    for label in table.labels:
        in_domain = survey[domain_name] == label
        elements, composite, se = reference(survey, in_domain)
        row = table[label]
        assert [f.value for f in row.elements.values()] == pytest.approx(elements, rel=1e-12)
        assert row.composite.value == pytest.approx(composite, rel=1e-12)
        assert row.composite.se == pytest.approx(se, rel=1e-9)
        assert row.composite.n == in_domain.sum()


def test_records_are_json_ready(survey, design):
    table = satisfaction_index(SPEC, answers_of(survey), design, domain=survey["unit"])
    records = json.loads(json.dumps(table.records()))
    assert [r["domain"] for r in records] == ["A", "B", "C"]
    assert set(records[0]["elements"]) == {f"element_{c}" for c in ELEMENTS}
    assert records[0]["composite"]["value"] == pytest.approx(table["A"].composite.value)


def test_multi_item_element_takes_each_respondents_share_of_satisfied_ratings():
    spec = IndexSpec(elements=(ElementSpec("access", 1.0, ("a", "b")),), overall_item=None)
    answers = {"a": np.array([5.0, 2.0, np.nan, np.nan]), "b": np.array([4.0, 5.0, 3.0, np.nan])}
    indicator = element_indicators(spec, answers, 4)["access"]
    assert indicator[:3] == pytest.approx([1.0, 0.5, 0.0])
    assert np.isnan(indicator[3])


def test_element_with_own_satisfied_values():
    spec = IndexSpec.from_mapping({"elements": [{"key": "x", "item_codes": ["a"], "satisfied_values": [5]}]})
    assert element_indicators(spec, {"a": np.array([4.0, 5.0])}, 2)["x"] == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("e2"), "no column for item 'e2'"),
        (lambda a: a.__setitem__("e2", a["e2"][:-1]), "has 899 answers"),
        (lambda a: a.__setitem__("e2", np.where(np.isnan(a["e2"]), 6.0, a["e2"])), "off the 1-5 scale"),
        (lambda a: a.__setitem__("e2", a["e2"] + 0.5), "off the 1-5 scale"),
    ],
)
def test_bad_answers_are_rejected(survey, design, change, message):
    answers = {k: v.copy() for k, v in answers_of(survey).items()}
    change(answers)
    with pytest.raises(ValueError, match=message):
        satisfaction_index(SPEC, answers, design)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"elements": []}, "at least one element"),
        ({"elements": [{"key": "x", "item_codes": []}]}, "no rating items"),
        ({"elements": [{"key": "x", "item_codes": ["a"], "weight": 0}]}, "positive weight"),
        ({"elements": [{"key": "x", "item_codes": ["a"]}, {"key": "x", "item_codes": ["b"]}]}, "repeat"),
        ({"elements": [{"key": "x", "item_codes": ["a"]}], "satisfied_values": [6]}, "not on the scale"),
        ({"elements": [{"item_codes": ["a"]}]}, "missing or malformed"),
    ],
)
def test_bad_definitions_are_rejected(spec, message):
    with pytest.raises(ValueError, match=message):
        IndexSpec.from_mapping(spec)


def test_domain_of_wrong_length_is_rejected(survey, design):
    with pytest.raises(ValueError, match="domain has 3 labels"):
        satisfaction_index(SPEC, answers_of(survey), design, domain=["a", "b", "c"])
