from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import instruments
from instruments.schema import parse_instrument
from tests.instruments.conftest import minimal_instrument


def demo() -> instruments.Instrument:
    instrument, problems = parse_instrument(minimal_instrument(), "demo/1.yaml")
    assert problems == [] and instrument is not None
    return instrument


DEMO = demo()


def errors_of(raw: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(instruments.AnswerErrors) as raised:
        DEMO.validate_answers(raw, **kwargs)  # type: ignore[arg-type]
    return raised.value.messages("en")


def test_good_answers_are_cleaned():
    raw = {
        "access_sat": " 4 ",
        "results_sat": ["5"],
        "overall_sat": "3",
        "visited_before": "0",
        "gender": "2",
        "comment": "  Tốt  ",
        "procedure": "1.001234.000.00.00.H12",
    }
    assert DEMO.validate_answers(raw) == {
        "access_sat": 4,
        "results_sat": 5,
        "overall_sat": 3,
        "visited_before": 0,
        "gender": 2,
        "comment": "Tốt",
        "procedure": "1.001234.000.00.00.H12",
    }


def test_empty_optional_answers_are_left_out():
    raw = {"overall_sat": "5", "access_sat": "", "comment": "   ", "gender": [], "procedure": "\t"}
    assert DEMO.validate_answers(raw) == {"overall_sat": 5}


def test_every_problem_is_reported_in_both_languages():
    raw = {
        "access_sat": "7",
        "results_sat": "4.0",
        "visited_before": "2",
        "gender": "9",
        "comment": "x" * 21,
        "procedure": "<script>",
        "csrf": "abc",
    }
    with pytest.raises(instruments.AnswerErrors) as raised:
        DEMO.validate_answers(raw)
    errors = raised.value.errors
    assert set(errors) == {"overall_sat", "access_sat", "results_sat", "visited_before", "gender", "comment", "procedure", "csrf"}
    assert errors["overall_sat"].en == "Please answer this question."
    assert errors["overall_sat"].vi == "Vui lòng trả lời câu hỏi này."
    assert errors["access_sat"].en == "Please choose a level from 1 to 5."
    assert errors["results_sat"].en == "The answer must be a whole number."
    assert errors["visited_before"].en == errors["gender"].en == "This is not one of the offered choices."
    assert errors["comment"].en == "The text is too long: at most 20 characters."
    assert errors["procedure"].en == "This procedure is not on the list."
    assert errors["csrf"].vi == "Trường csrf không thuộc bảng hỏi này."
    assert all(message.vi and message.en and message.vi != message.en for message in errors.values())
    assert "overall_sat: Please answer this question." in str(raised.value)


def test_non_answer_fields_can_be_ignored():
    assert DEMO.validate_answers({"overall_sat": "4", "nonce": "n1"}, ignore={"nonce"}) == {"overall_sat": 4}


def test_procedures_are_checked_against_the_given_list():
    offered = {"P1", "P2"}
    assert DEMO.validate_answers({"overall_sat": "4", "procedure": "P2"}, offered)["procedure"] == "P2"
    assert errors_of({"overall_sat": "4", "procedure": "P3"}, procedures=offered) == {
        "procedure": "This procedure is not on the list."
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("٤", "The answer must be a whole number."),  # Arabic-Indic four: int() would accept it
        ("４", "The answer must be a whole number."),
        ("+4", "The answer must be a whole number."),
        ("4_0", "The answer must be a whole number."),
        ("0", "Please choose a level from 1 to 5."),
        ("9" * 10_000, "The answer must be a whole number."),
        (["4", "5"], "This question takes a single answer."),
        ([4], "The answer is not valid."),
        (4, "The answer is not valid."),
        ({"a": "4"}, "The answer is not valid."),
    ],
)
def test_hostile_coded_values(value: object, message: str):
    assert errors_of({"overall_sat": value}) == {"overall_sat": message}


def test_text_is_normalised_and_stripped_of_controls():
    decomposed = unicodedata.normalize("NFD", "Rất tốt")
    cleaned = DEMO.validate_answers({"overall_sat": "5", "comment": f"\x00{decomposed}\r\nok\x1b"})
    assert cleaned["comment"] == "Rất tốt\nok"
    assert unicodedata.is_normalized("NFC", cleaned["comment"])
    # 20 letters written decomposed take 40+ code points but are 20 characters once composed.
    assert len(DEMO.validate_answers({"overall_sat": "5", "comment": unicodedata.normalize("NFD", "ế" * 20)})["comment"]) == 20


@pytest.mark.parametrize("text", ["ok\ud800", "x" * 5_000_000])
def test_hostile_text_is_refused(text: str):
    assert set(errors_of({"overall_sat": "5", "comment": text})) == {"comment"}


def test_hostile_field_names_are_truncated():
    errors = errors_of({"overall_sat": "5", "z" * 100_000: "1", 7: "1"})
    assert all(len(name) <= 65 for name in errors)
    assert "<int>" in errors


def test_not_a_mapping_is_refused():
    assert errors_of(["overall_sat", "5"]) == {"_form": "The submission is not a form."}


codes = st.sampled_from([item.code for item in DEMO.items])
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["1", "2", "3", "4", "5", "0", " 5 ", "", "P1"]),
    st.lists(st.text(max_size=5), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.one_of(codes, st.text(max_size=10)), values, max_size=10))
def test_any_mapping_validates_or_raises_answer_errors(raw: dict):
    try:
        cleaned = DEMO.validate_answers(raw, procedures={"P1"})
    except instruments.AnswerErrors as error:
        assert error.errors and all(message.vi and message.en for message in error.errors.values())
        return
    assert "overall_sat" in cleaned
    for code, value in cleaned.items():
        item = DEMO.item(code)
        if item.coded:
            assert value in item.option_codes()
        else:
            assert isinstance(value, str) and value == value.strip() and 0 < len(value) <= (item.max_length or 64)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({code: st.sampled_from(["1", "2", "3", "4", "5", ""]) for code in ("access_sat", "results_sat")}))
def test_valid_ratings_round_trip(raw: dict):
    cleaned = instruments.get("sipas_qr").validate_answers({**raw, "overall_sat": "4"})
    assert cleaned == {"overall_sat": 4} | {code: int(value) for code, value in raw.items() if value}


def test_full_instrument_demographics():
    full = instruments.get("sipas_full")
    cleaned = full.validate_answers({"overall_sat": "5", "gender": "2", "age_group": "6", "access_c1": "4"})
    assert cleaned == {"access_c1": 4, "overall_sat": 5, "gender": 2, "age_group": 6}
    with pytest.raises(instruments.AnswerErrors) as raised:
        full.validate_answers({"overall_sat": "5", "age_group": "7"})
    assert raised.value.messages("vi") == {"age_group": "Lựa chọn này không có trong danh sách."}
