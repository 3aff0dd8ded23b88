"""The report forms read targets, periods and unit codes the way officers write them."""

from __future__ import annotations

import pytest

from survey.core.periods import parse_period
from survey.reports.inputs import InputError, code_variants, read_period, read_target


@pytest.mark.parametrize(("text", "expected"), [("95", "0.95"), ("95%", "0.95"), ("0,95", "0.95"), ("0.95", "0.95"),
                                                 ("95,5%", "0.955"), (" 90 % ", "0.9"), ("", "")])
def test_targets(text, expected):
    assert read_target(text) == expected


@pytest.mark.parametrize("text", ["abc", "0", "100", "100%", "-5", "150"])
def test_bad_targets_say_why_in_vietnamese(text):
    with pytest.raises(InputError) as problem:
        read_target(text)
    assert problem.value.field == "target" and "Mục tiêu" in problem.value.message


@pytest.mark.parametrize(("text", "expected"), [
    ("Quý 3/2026", "2026-Q3"), ("quý III/2026", "2026-Q3"), ("Q3/2026", "2026-Q3"), ("q3 2026", "2026-Q3"),
    ("2026-Q3", "2026-Q3"), ("2026-q4", "2026-Q4"), ("7/2026", "2026-07"), ("07/2026", "2026-07"),
    ("Tháng 7/2026", "2026-07"), ("tháng 12/2026", "2026-12"), ("2026-07", "2026-07"), ("2026", "2026"),
    ("Năm 2026", "2026"), ("2026-05..2026-09", "2026-05..2026-09"), ("5/2026..9/2026", "2026-05..2026-09"),
])
def test_periods(text, expected):
    assert read_period(text) == expected
    parse_period(expected)  # the services accept what the reader returns


@pytest.mark.parametrize("text", ["", "Quý 5/2026", "13/2026", "hôm qua", "2026-Q"])
def test_bad_periods_say_why_in_vietnamese(text):
    with pytest.raises(InputError) as problem:
        read_period(text)
    assert problem.value.field == "period" and "ỳ" in problem.value.message


def test_codes_in_any_case():
    assert code_variants(" nb ") == ["nb", "NB"]
    assert code_variants("NB-001") == ["NB-001", "nb-001"]
    with pytest.raises(InputError):
        code_variants("  ")
