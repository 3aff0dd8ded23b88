"""Counter tokens: signing, forgery, tampering, key rotation and retirement; token parsing never crashes."""

from __future__ import annotations

import base64
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.citizen.targets import NOT_OURS, RETIRED, TargetRefused, resolve
from survey.qr import keys
from survey.qr.tokens import (
    COUNTER_TOKEN_LENGTH,
    CounterToken,
    ReceiptToken,
    TokenRefused,
    new_receipt_token,
    parse,
    sign_counter,
)

SECRET = "s" * 40
OTHER_SECRET = "o" * 40
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_a_signed_token_is_short_url_safe_and_reads_back():
    token = sign_counter(SECRET, "k3", 123456)
    assert len(token) == COUNTER_TOKEN_LENGTH <= 22
    assert set(token) <= set(ALPHABET)
    assert parse(token, SECRET) == CounterToken(kid="k3", counter_id=123456, text=token)


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(TokenRefused, match="bad signature"):
        parse(sign_counter(OTHER_SECRET, "k1", 7), SECRET)


def test_every_single_character_change_is_refused():
    token = sign_counter(SECRET, "k1", 42)
    for position in range(len(token)):
        for replacement in "A_z9":
            if token[position] == replacement:
                continue
            tampered = token[:position] + replacement + token[position + 1:]
            with pytest.raises(TokenRefused):
                parse(tampered, SECRET)


def test_changing_the_counter_inside_a_valid_token_breaks_the_signature():
    raw = base64.urlsafe_b64decode(sign_counter(SECRET, "k1", 42) + "==")
    forged = raw[:2] + struct.pack(">I", 43) + raw[6:]
    with pytest.raises(TokenRefused, match="bad signature"):
        parse(base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), SECRET)


def test_a_receipt_token_is_random_and_recognised_by_length():
    first, second = new_receipt_token(), new_receipt_token()
    assert first != second and len(first) == 24
    assert len(base64.urlsafe_b64decode(first)) * 8 >= 96
    assert parse(first, SECRET) == ReceiptToken(first)


@given(st.one_of(st.text(max_size=40), st.text(alphabet=ALPHABET, min_size=20, max_size=26), st.binary().map(repr),
                 st.integers(), st.none()))
def test_any_input_gives_a_token_or_a_clean_refusal(text):
    try:
        result = parse(text, SECRET)
    except TokenRefused:
        return
    assert isinstance(result, (CounterToken, ReceiptToken)) and result.text == text


@given(st.text(alphabet=ALPHABET, min_size=22, max_size=22))
def test_random_counter_shaped_strings_do_not_verify(text):
    with pytest.raises(TokenRefused):
        parse(text, SECRET)


async def test_rotation_keeps_old_posters_working_until_their_key_is_retired(place):
    from survey.qr.services import counter_token

    secret = place.settings.secret_key
    counter_id = place.counter_ids["NB-001-TT-Q1"]
    old = await counter_token(secret, counter_id)
    assert old.startswith("AAE")  # key id k1 is the first two bytes
    assert await keys.rotate() == "k2"
    new = await counter_token(secret, counter_id)
    assert parse(new, secret).kid == "k2" and new != old
    assert (await resolve(old, secret)).place.counter_id == counter_id
    await keys.retire("k1")
    with pytest.raises(TargetRefused) as refused:
        await resolve(old, secret)
    assert refused.value.refusal is RETIRED
    assert (await resolve(new, secret)).place.counter_id == counter_id
    listed = {key.kid: key.in_service for key in await keys.list_keys()}
    assert listed == {"k1": False, "k2": True}


async def test_unknown_key_ids_and_counters_are_refused(place):
    secret = place.settings.secret_key
    await keys.rotate()
    for token in (sign_counter(secret, "k9", place.counter_ids["NB-001-TT-Q1"]), sign_counter(secret, "k1", 99999)):
        with pytest.raises(TargetRefused) as refused:
            await resolve(token, secret)
        assert refused.value.refusal is NOT_OURS


async def test_retiring_twice_or_an_unknown_key_is_an_error(place):
    await keys.rotate()
    await keys.retire("k1")
    with pytest.raises(ValueError, match="already retired"):
        await keys.retire("k1")
    with pytest.raises(ValueError, match="unknown key id"):
        await keys.retire("k5")
    with pytest.raises(ValueError, match="not a key id"):
        await keys.retire("x1")
