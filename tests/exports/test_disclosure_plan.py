"""The disclosure planner on cell counts, checked by recounting classes independently."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.exports.disclosure import (
    SUPPRESSED,
    SUPPRESSED_TEXT,
    CannotAnonymise,
    check_k,
    plan_disclosure,
    suppressed_value,
)
from survey.exports.periods import at_grain, parse_period
from survey.exports.source import Scope, UnitNode

# country 1 > provinces 2, 3 > centres 10..13 (under 2) and 20..21 (under 3)
NODES = [UnitNode(1, "VN", "country", None), UnitNode(2, "P1", "province", 1), UnitNode(3, "P2", "province", 1)]
NODES += [UnitNode(i, f"P1-{i}", "centre", 2) for i in range(10, 14)]
NODES += [UnitNode(i, f"P2-{i}", "centre", 3) for i in range(20, 22)]
SCOPE = Scope(NODES[0], "/1/", {node.id: node for node in NODES})
SPAN = parse_period("2026")

cells = st.dictionaries(
    st.tuples(st.sampled_from([10, 11, 12, 13, 20, 21]), st.sampled_from([f"2026-{m:02d}" for m in range(1, 13)]),
              st.sampled_from(["Hộ tịch", "Đất đai", None]), st.sampled_from(["qr", "web"]), st.sampled_from([1, 2, 3, None])),
    st.integers(1, 30), min_size=1, max_size=60)


def written_sizes(counts, outcome) -> Counter:
    sizes = Counter()
    for cell, n in counts.items():
        sizes[outcome.written(cell)] += n
    return sizes


@settings(max_examples=60, deadline=None)
@given(cells, st.integers(2, 12))
def test_every_written_class_has_at_least_k_records(counts, k):
    try:
        outcome = plan_disclosure(counts, SCOPE, SPAN, "month", ("gender",), k, 0.05)
    except CannotAnonymise:
        assert sum(counts.values()) < k
        return
    sizes = written_sizes(counts, outcome)
    assert min(sizes.values()) >= k
    assert outcome.after.smallest_class == min(sizes.values())
    for cell in counts:
        shown = outcome.written(cell)
        # Generalised, never falsified: the shown unit is the cell's unit or one above it, the period contains
        # the month, and a kept value is the true one or the suppression code (a dropped one is not written).
        unit, ancestors = cell[0], []
        while True:
            ancestors.append(unit)
            if unit == SCOPE.root.id:
                break
            unit = SCOPE.parent(unit)
        assert shown[0] in ancestors
        assert shown[1] == at_grain(cell[1], outcome.plan.grain, SPAN)
        assert all(value in (cell[i], suppressed_value(i)) or outcome.names[i] in outcome.plan.dropped
                   for i, value in enumerate(shown) if i >= 2)


def test_a_small_unit_is_shown_as_its_parent():
    counts = {(10, "2026-01", None, "qr", 1): 40, (11, "2026-01", None, "qr", 1): 2, (12, "2026-01", None, "qr", 1): 30}
    outcome = plan_disclosure(counts, SCOPE, SPAN, "month", ("gender",), 5, 0.05)
    # Its province would hold only those two records, so they go up to the country; still below k there,
    # the smallest other unit (12) joins them, and the largest keeps its own name.
    assert outcome.written((11, "2026-01", None, "qr", 1))[0] == 1
    assert outcome.written((12, "2026-01", None, "qr", 1))[0] == 1
    assert outcome.written((10, "2026-01", None, "qr", 1))[0] == 10
    assert outcome.merged_units == 2


def test_suppressed_and_not_answered_are_different_classes():
    """Suppressed used to be written as missing, the value of "not answered": the planner counted a class
    with the two together, which the file then split below k once they were told apart."""
    not_answered, small, large = ((10, "2026-01", "Hộ tịch", "qr", gender) for gender in (None, 1, 2))
    counts = {not_answered: 3, small: 2, large: 5}
    outcome = plan_disclosure(counts, SCOPE, SPAN, "month", ("gender",), 3, 0.6)
    assert outcome.written(large) == large
    # The class of two is suppressed; two suppressed records alone would be below k, so the not-answered
    # class (the smallest other one of the unit and period) is suppressed into it, not counted with it.
    suppressed = (10, "2026-01", SUPPRESSED_TEXT, SUPPRESSED_TEXT, SUPPRESSED)
    assert outcome.written(small) == outcome.written(not_answered) == suppressed
    assert min(written_sizes(counts, outcome).values()) >= 3
    assert outcome.suppressed["gender"] == 5


def test_risk_before_and_after():
    counts = {(10, "2026-01", "A", "qr", 1): 9, (10, "2026-01", "B", "qr", 1): 1}
    outcome = plan_disclosure(counts, SCOPE, SPAN, "month", (), 5, 0.5)
    assert outcome.before.share_below_k == pytest.approx(0.1)
    assert outcome.before.mean_risk == pytest.approx(2 / 10)
    assert outcome.after.share_below_k == 0
    # Suppressing B's group would leave a class of one: both classes would have to be blanked (100% of the
    # records, over the 50% limit), so the procedure group is dropped instead.
    assert "procedure_group" in outcome.plan.dropped
    assert outcome.after.classes == 1


def test_k_below_two_and_bad_limits_are_refused():
    with pytest.raises(ValueError, match="at least 2"):
        check_k(1)
    with pytest.raises(ValueError, match="max_suppression"):
        plan_disclosure({(10, "2026-01", None, "qr"): 9}, SCOPE, SPAN, "month", (), 5, 1.5)


@pytest.mark.parametrize(("text", "first", "last", "grain"), [
    ("2026-07", "2026-07", "2026-07", "month"),
    ("2026-Q3", "2026-07", "2026-09", "quarter"),
    ("2026", "2026-01", "2026-12", "year"),
    ("2025-11..2026-02", "2025-11", "2026-02", "month"),
])
def test_periods(text, first, last, grain):
    span = parse_period(text)
    assert (span.first, span.last, span.grain) == (first, last, grain)
    assert span.months()[0] == first and span.months()[-1] == last


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "2026-09..2026-01", "", "2026-7"])
def test_bad_periods(text):
    with pytest.raises(ValueError, match="period"):
        parse_period(text)
