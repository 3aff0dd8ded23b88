"""Periods: what users may type, the period before each, labels, bounds in a time zone."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.core.periods import (
    MAX_MONTHS,
    Period,
    PeriodError,
    month_bounds,
    month_label,
    month_number,
    month_of,
    parse_month,
    parse_period,
)


@pytest.mark.parametrize(("text", "months", "previous"), [
    ("2026-07", ["2026-07"], "2026-06"),
    ("2026-01", ["2026-01"], "2025-12"),
    ("2026-Q3", ["2026-07", "2026-08", "2026-09"], "2026-Q2"),
    ("2026-Q1", ["2026-01", "2026-02", "2026-03"], "2025-Q4"),
    ("2026", [f"2026-{m:02d}" for m in range(1, 13)], "2025"),
    ("2026-05..2026-09", ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"], "2025-12..2026-04"),
    ("2025-11..2026-02", ["2025-11", "2025-12", "2026-01", "2026-02"], "2025-07..2025-10"),
])
def test_periods_and_their_predecessors(text, months, previous):
    period = parse_period(text)
    assert period.months == months
    assert period.previous().label == previous
    assert period.previous().length == period.length
    assert period.previous().last + 1 == period.first


def test_trend_window_ends_with_the_period_and_covers_it():
    assert parse_period("2026-Q3").ending_window(12).months[0] == "2025-10"
    assert parse_period("2020-01..2026-09").ending_window(12).months[0] == "2020-01"


@pytest.mark.parametrize(("text", "message"), [
    ("", "period is missing"),
    ("2026-13", "is not a month"),
    ("2026-Q0", "is not a month"),
    ("26-07", "is not a month"),
    ("2026-09..2026-05", "ends before it starts"),
    ("2026-05..2026-5", "'2026-5' is not a month"),
    ("2000-01..2026-01", "longer than 120 months"),
])
def test_bad_periods_name_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text)


@pytest.mark.parametrize(("text", "label"), [
    ("7/2026", "2026-07"),
    ("07/2026", "2026-07"),
    ("Tháng 7/2026", "2026-07"),
    ("2026-q3", "2026-Q3"),
    ("Q3/2026", "2026-Q3"),
    ("q3/2026", "2026-Q3"),
    ("Quý 3/2026", "2026-Q3"),
    ("quý III/2026", "2026-Q3"),
    ("QUÝ  IV/2026", "2026-Q4"),
    ("Năm 2026", "2026"),
    (" 2026 ", "2026"),
    ("5/2026..9/2026", "2026-05..2026-09"),
    ("Tháng 5/2026 – Tháng 9/2026", "2026-05..2026-09"),
])
def test_the_forms_people_type_read_as_one_canonical_period(text, label):
    assert parse_period(text).label == label


def test_a_decomposed_vietnamese_spelling_reads_the_same():
    assert parse_period(unicodedata.normalize("NFD", "Quý 3/2026")).label == "2026-Q3"


@pytest.mark.parametrize(("text", "vi", "en"), [
    ("2026-07", "Tháng 7/2026", "July 2026"),
    ("2026-Q3", "Quý III/2026", "Q3 2026"),
    ("2026-Q1", "Quý I/2026", "Q1 2026"),
    ("2026", "Năm 2026", "Year 2026"),
    ("2026-05..2026-09", "Tháng 5/2026 – Tháng 9/2026", "May 2026 – September 2026"),
])
def test_titles_in_both_languages(text, vi, en):
    period = parse_period(text)
    assert (period.title("vi"), period.title("en")) == (vi, en)


def test_errors_say_the_problem_in_vietnamese_and_english():
    with pytest.raises(PeriodError) as raised:
        parse_period("2026-13")
    assert "không phải là tháng, quý, năm" in raised.value.text("vi")
    assert "is not a month" in raised.value.text("en")
    assert str(raised.value).startswith(raised.value.message.vi)
    with pytest.raises(PeriodError, match="thiếu kỳ báo cáo"):
        parse_period(None)


@pytest.mark.parametrize("text", ["2026-7", "13/2026", "Q5/2026", "Quý V/2026", "2026-Q3..2026-09", "2026..2027",
                                  "2026-01..2026-02..2026-03", "tháng 2026"])
def test_other_spellings_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_parse_month_takes_only_a_month():
    assert parse_month("7/2026") == "2026-07"
    with pytest.raises(PeriodError, match="is not a month"):
        parse_month("2026-Q3")


def test_month_bounds_are_local_midnights():
    start, end = month_bounds("2026-12", "Asia/Ho_Chi_Minh")
    assert start.isoformat() == "2026-12-01T00:00:00+07:00"
    assert end.isoformat() == "2027-01-01T00:00:00+07:00"
    assert parse_period("2026-Q4").bounds("Asia/Ho_Chi_Minh") == (
        month_bounds("2026-10", "Asia/Ho_Chi_Minh")[0], end)


def test_a_moment_falls_in_its_local_month():
    moment = datetime(2026, 6, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1 July in Hanoi
    assert month_of(moment, "Asia/Ho_Chi_Minh") == "2026-07"
    assert month_of(moment, "UTC") == "2026-06"
    start, end = month_bounds("2026-07", "Asia/Ho_Chi_Minh")
    assert start <= moment < end


def test_shifts():
    assert parse_period("2026-Q1").same_period_last_year().label == "2025-Q1"
    assert parse_period("2026-03").shift(-3).label == "2025-12"
    assert parse_period("2026").shift(12).label == "2027"


years = st.integers(min_value=1000, max_value=9000)
months = st.integers(min_value=1, max_value=12)
periods = st.one_of(
    st.builds(lambda y, m: Period.month(f"{y:04d}-{m:02d}"), years, months),
    st.builds(Period.quarter, years, st.integers(min_value=1, max_value=4)),
    st.builds(Period.year, years),
    st.builds(lambda start, length: Period.range(start, start + length), st.integers(1000 * 12, 9000 * 12),
              st.integers(0, MAX_MONTHS - 1)),
)


@given(periods)
def test_label_and_vietnamese_title_read_back_as_the_same_period(period):
    assert parse_period(period.label) == period
    assert parse_period(period.title("vi")) == period


@given(periods, st.integers(min_value=-24, max_value=24))
def test_a_shift_keeps_grain_and_length_and_moves_every_month(period, by):
    shifted = period.shift(by)
    assert (shifted.grain, shifted.length) == (period.grain, period.length)
    assert [month_number(m) - by for m in shifted.months] == [month_number(m) for m in period.months]
    assert period.previous().last + 1 == period.first
    assert parse_period(period.previous().label) == period.previous()


@given(years, months)
def test_month_numbers_and_labels_are_inverse(year, month):
    text = f"{year:04d}-{month:02d}"
    assert month_label(month_number(text)) == text
    assert month_number(month_label(month_number(text) + 1)) == month_number(text) + 1
