"""Property-based checks of the input doors: tokens and nonces, answers, and the statistics' arrays.

Whatever arrives, the answer is the documented refusal (TokenRefused, NonceRefused, AnswerErrors,
ValueError naming the problem) or a well-formed result: never another exception, never a silent NaN.
"""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import instruments
from instruments import AnswerErrors
from stats import Design
from survey.citizen import nonce as nonces
from survey.qr.tokens import MAX_COUNTER_ID, CounterToken, ReceiptToken, TokenRefused, parse, sign_counter

SECRET = "property-secret-" + "p" * 32
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
anything = st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=40), st.text(max_size=40),
                     st.text(alphabet=URL_SAFE, min_size=20, max_size=26), st.lists(st.text(max_size=5), max_size=3))


@given(anything)
def test_any_token_text_is_parsed_or_refused(text):
    try:
        token = parse(text, SECRET)
    except TokenRefused as refused:
        assert refused.reason in {"malformed", "bad signature"}
        return
    assert isinstance(token, (CounterToken, ReceiptToken)) and token.text == text


@given(st.integers(1, 0xFFFF), st.integers(1, MAX_COUNTER_ID))
def test_signed_counter_tokens_round_trip(kid_number, counter_id):
    text = sign_counter(SECRET, f"k{kid_number}", counter_id)
    token = parse(text, SECRET)
    assert token == CounterToken(kid=f"k{kid_number}", counter_id=counter_id, text=text)
    with pytest.raises(TokenRefused):
        parse(text, SECRET + "other")


@given(st.integers(1, MAX_COUNTER_ID), st.integers(0, 21), st.sampled_from(URL_SAFE))
def test_changing_any_character_of_a_counter_token_is_refused(counter_id, position, character):
    """A forged QR code: another counter id, key id or MAC needs the secret."""
    text = sign_counter(SECRET, "k1", counter_id)
    forged = text[:position] + character + text[position + 1:]
    if forged != text:
        with pytest.raises(TokenRefused):
            parse(forged, SECRET)


@given(anything, st.text(max_size=30))
def test_any_nonce_is_checked_or_refused(nonce, token):
    try:
        issued_at = nonces.check_signature(SECRET, token, nonce)
    except nonces.NonceRefused:
        return
    pytest.fail(f"an arbitrary nonce {nonce!r} passed the signature check (issued at {issued_at})")


@given(st.text(max_size=30), st.text(max_size=30))
def test_a_nonce_is_bound_to_its_token(token, other):
    nonce = nonces.issue(SECRET, token)
    assert isinstance(nonces.check_signature(SECRET, token, nonce), int)
    if other != token:
        with pytest.raises(nonces.NonceRefused):
            nonces.check_signature(SECRET, other, nonce)


INSTRUMENT = instruments.get("sipas_qr")
CODES = [item.code for item in INSTRUMENT.items]
answer_values = st.one_of(st.none(), st.integers(-10, 10), st.sampled_from(["1", "5", "", " 4", "4.0", "٣"]),
                          st.text(max_size=600), st.lists(st.sampled_from(["1", "2", "x"]), max_size=3),
                          st.floats(allow_nan=True), st.booleans())
answer_sets = st.dictionaries(st.one_of(st.sampled_from(CODES), st.text(max_size=12)), answer_values, max_size=10)


@settings(max_examples=300)
@given(answer_sets)
def test_any_answers_are_cleaned_or_refused_with_messages(raw):
    try:
        cleaned = INSTRUMENT.validate_answers(raw, procedures=["1.001193"])
    except AnswerErrors as errors:
        for lang in ("vi", "en"):
            messages = errors.messages(lang)
            assert messages and all(isinstance(m, str) and m for m in messages.values())
        return
    assert set(cleaned) <= set(CODES)
    for code, value in cleaned.items():
        item = INSTRUMENT.item(code)
        if item.type == "text":
            assert isinstance(value, str) and len(value) <= item.max_length
        elif item.type == "procedure":
            assert value == "1.001193"
        else:
            assert value in {option.code for option in item.options}


def arrays(n: int, elements) -> st.SearchStrategy:
    return hnp.arrays(np.float64, n, elements=elements)


# Magnitudes whose weighted sums overflow are the subject of their own test below.
weird_floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not math.isfinite(v) or abs(v) < 1e100),
                         st.sampled_from([0.0, -1.0, 1e99]))


@st.composite
def designs(draw):
    n = draw(st.integers(0, 12))
    lengths = st.one_of(st.just(n), st.integers(0, 12))
    weights = draw(arrays(draw(lengths), st.one_of(st.floats(0.1, 10), weird_floats)))
    strata = draw(st.none() | arrays(draw(lengths), st.one_of(st.sampled_from([1.0, 2.0]), weird_floats)))
    clusters = draw(st.none() | hnp.arrays(np.int64, draw(lengths), elements=st.integers(0, 3)))
    y = draw(arrays(draw(lengths), st.one_of(st.sampled_from([0.0, 1.0, math.nan]), weird_floats)))
    return weights, strata, clusters, y


@settings(max_examples=400, deadline=None)
@given(designs(), st.sampled_from(["fail", "adjust", "average", "certainty", "remove"]),
       st.sampled_from(["mean", "proportion", "total"]))
def test_bad_design_arrays_give_a_named_value_error_or_a_finite_estimate(case, lonely_psu, statistic):
    weights, strata, clusters, y = case
    try:
        estimate = getattr(Design(weights, strata, clusters, lonely_psu=lonely_psu), statistic)(y)
    except ValueError as problem:
        assert len(str(problem)) > 10, f"a refusal without a reason: {problem!r}"
        return
    assert math.isfinite(estimate.value), (estimate, case, lonely_psu)
    assert math.isfinite(estimate.se) and estimate.se >= 0, (estimate, case, lonely_psu)


@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_values_too_large_to_sum_are_refused(statistic):
    try:
        estimate = getattr(Design([1.0, 1.0]), statistic)([1e308, 1e308])
    except ValueError:
        return
    assert math.isfinite(estimate.value) and math.isfinite(estimate.se), estimate
