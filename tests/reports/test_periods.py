"""Report periods: what users may type, and the period before each."""

from __future__ import annotations

import pytest

from survey.reports.periods import parse_period


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
