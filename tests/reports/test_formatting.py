"""Vietnamese (and English) conventions for the numbers, dates and periods every renderer shows."""

from __future__ import annotations

import pytest

from survey.reports import formatting
from survey.reports.formatting import Formatter

VI = Formatter("vi", "Asia/Ho_Chi_Minh")
EN = Formatter("en", "Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("value", "vi", "en"), [(0.955, "95,5%", "95.5%"), (1.0, "100,0%", "100.0%"),
                                                  (0.03125, "3,1%", "3.1%"), (None, "–", "–")])
def test_percentages_use_the_locale_s_decimal_mark(value, vi, en):
    assert VI.percent(value) == vi
    assert EN.percent(value) == en


def test_counts_have_thousands_separators():
    assert VI.count(1925) == "1.925"
    assert VI.count(1234567) == "1.234.567"
    assert EN.count(1925) == "1,925"
    assert VI.count(12) == "12"


def test_p_values_below_a_thousandth_are_not_printed_as_zero():
    assert VI.p_value(0.00001) == "p < 0,001"
    assert VI.p_value(0.0342) == "p = 0,034"
    assert EN.p_value(0.0342) == "p = 0.034"


def test_changes_are_signed_percentage_points():
    assert VI.points(0.0123) == "+1,2 điểm %"
    assert VI.points(-0.05) == "−5,0 điểm %"


def test_times_are_shown_in_the_configured_zone_not_utc():
    assert VI.generated("2026-12-04T03:04:00+00:00") == "lập lúc 10:04 ngày 04/12/2026"
    assert VI.generated("2026-12-04T03:04:00") == "lập lúc 10:04 ngày 04/12/2026"  # stored naive = UTC
    assert Formatter("vi", "UTC").generated("2026-12-04T03:04:00+00:00") == "lập lúc 03:04 ngày 04/12/2026"
    assert EN.generated("2026-12-04T20:30:00+00:00") == "made at 03:30 on 05 Dec 2026"


def test_the_document_date_line_follows_decree_30():
    assert VI.long_date("2026-12-04T03:04:00+00:00", "Ninh Bình") == "Ninh Bình, ngày 04 tháng 12 năm 2026"
    assert VI.long_date("2026-03-01T01:00:00+00:00") == "Ngày 01 tháng 3 năm 2026"
    assert VI.long_date("2026-02-10T01:00:00+00:00") == "Ngày 10 tháng 02 năm 2026"


@pytest.mark.parametrize(("label", "vi", "en"), [("2026-Q3", "Quý III/2026", "Q3 2026"),
                                                  ("2026-07", "Tháng 7/2026", "July 2026"),
                                                  ("2026", "Năm 2026", "Year 2026"),
                                                  ("2026-05..2026-09", "Tháng 5/2026 – tháng 9/2026",
                                                   "May 2026 – September 2026")])
def test_periods_read_as_people_write_them(label, vi, en):
    assert VI.period(label) == vi
    assert EN.period(label) == en


def test_the_context_s_formatter_is_the_one_renderers_use():
    assert formatting.current().percent(0.5) == "50,0%"
    with formatting.use("en", "UTC"):
        assert formatting.current().percent(0.5) == "50.0%"
    assert formatting.current().percent(0.5) == "50,0%"
