"""Unit paths: the one reader and writer of the materialised ``/1/5/9/`` format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.citizen.targets import stratum_of
from survey.core.units import UnitPath, is_within, path_ids, subtree_like


def test_a_stored_path_and_its_parts():
    path = UnitPath.parse("/1/5/9/")
    assert (path.ids, path.unit_id, path.depth, path.ancestors) == ((1, 5, 9), 9, 3, (1, 5))
    assert str(path.parent) == "/1/5/" and UnitPath.parse("/1/").parent is None
    assert path.subtree_like == "/1/5/9/%"
    assert (path.id_at(1), path.id_at(3), path.id_at(4), path.id_at(0)) == (1, 9, None, None)


def test_building_a_path_below_a_parent():
    assert str(UnitPath.under(None, 7)) == "/7/"
    assert str(UnitPath.under("/1/5/", 12)) == "/1/5/12/"
    assert UnitPath.under(UnitPath.parse("/1/"), 5) == UnitPath.parse("/1/5/")


def test_within_and_child_of_compare_ids_not_text():
    assert is_within("/1/5/9/", "/1/5/") and is_within("/1/5/", "/1/5/")
    # "/1/5" is a text prefix of "/1/50/", but unit 50 is not under unit 5.
    assert not is_within("/1/50/", "/1/5/")
    assert UnitPath.parse("/1/5/").is_child_of("/1/") and not UnitPath.parse("/1/5/9/").is_child_of("/1/")


@pytest.mark.parametrize("text", ["", "/", "1/5/", "/1/5", "/1//5/", "/0/", "/a/", "/01/", None])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="unit path"):
        UnitPath.parse(text)


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8))
def test_text_round_trip_and_subtree(ids):
    path = UnitPath(tuple(ids))
    assert UnitPath.parse(str(path)) == path and path_ids(str(path)) == tuple(ids)
    child = UnitPath.under(path, 42)
    assert child.is_child_of(path) and child.is_within(path) and not path.is_within(child)
    # The LIKE prefix matches exactly the subtree: the path itself and those below it.
    assert str(child).startswith(subtree_like(str(path))[:-1])


def test_the_stratum_level_is_data_not_a_name_in_the_code():
    levels = {1: "quoc_gia", 5: "tinh", 9: "xa"}
    assert stratum_of("/1/5/9/", levels, "tinh") == 5
    # The same tree read with the level named in the default setting has no such unit: the top unit below
    # the root stands in.
    assert stratum_of("/1/5/9/", levels, "province") == 5
    assert stratum_of("/1/5/9/", {1: "province", 5: "district", 9: "commune"}, "district") == 5
    assert stratum_of("/1/5/9/", {1: "province", 5: "district", 9: "commune"}, "province") == 1
    assert stratum_of("/3/", {3: "commune"}, "province") == 3
