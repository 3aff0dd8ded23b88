"""The index definition: its rule for several items, its fingerprint, and the comparability of versions."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import instruments
from tests.instruments.conftest import minimal_instrument, write_definition

PACKAGE = Path(instruments.__file__).parent


def two_items(**index: object) -> dict:
    """The minimal instrument with a second item in the access element."""
    data = minimal_instrument()
    data["items"].insert(1, {"code": "waiting_sat", "type": "scale5", "element": "access", "text": {"vi": "Chờ"}})
    data["index"]["elements"]["access"] = ["access_sat", "waiting_sat"]
    data["index"].update(index)
    return data


def definition_of(tmp_path: Path, data: dict) -> instruments.IndexDefinition:
    write_definition(tmp_path, data)
    return instruments.load_all(tmp_path, include_drafts=True).get(data["key"], data["version"]).index_definition()


def test_an_element_of_several_items_is_rated_by_its_lowest_answered_item(tmp_path: Path):
    definition = definition_of(tmp_path, two_items())
    assert definition.score({"access_sat": 5, "waiting_sat": 3, "results_sat": 4, "overall_sat": 4}).elements == (3, 4)
    # Item non-response: the rating comes from the items answered; none answered is no rating at all.
    assert definition.score({"waiting_sat": 4, "overall_sat": 2}).elements == (4, None)
    scores = definition.score({"access_sat": 4, "waiting_sat": 5, "overall_sat": 2})
    assert (scores.elements, scores.overall, scores.fingerprint) == ((4, None), 2, definition.fingerprint)
    assert [definition.satisfied(r) for r in (3, 4, 5, None)] == [False, True, True, None]
    with pytest.raises(TypeError, match="'access_sat' feeds the index but its answer 'four' is not a rating"):
        definition.score({"access_sat": "four"})


def test_the_fingerprint_covers_what_scores_and_nothing_else(tmp_path: Path):
    base = definition_of(tmp_path / "a", minimal_instrument())
    reworded = minimal_instrument(key="other", version=7, title={"vi": "Tên khác"})
    reworded["items"][0]["text"] = {"vi": "Câu hỏi viết lại"}
    reworded["elements"][0]["title"] = {"vi": "Tiêu đề khác"}
    assert definition_of(tmp_path / "b", reworded).fingerprint == base.fingerprint
    doubled = minimal_instrument()
    doubled["elements"][0]["weight"], doubled["elements"][1]["weight"] = 2, 6  # the same shares as 1 and 3
    assert definition_of(tmp_path / "c", doubled).fingerprint == base.fingerprint

    changes = {
        "mapping": two_items(),
        "weights": minimal_instrument(elements=[{**e, "weight": 1} for e in minimal_instrument()["elements"]]),
        "satisfied": minimal_instrument(index={**minimal_instrument()["index"], "satisfied": [5]}),
        "overall": minimal_instrument(index={"elements": minimal_instrument()["index"]["elements"]}),
        "order": minimal_instrument(elements=minimal_instrument()["elements"][::-1]),
    }
    fingerprints = {name: definition_of(tmp_path / name, data).fingerprint for name, data in changes.items()}
    assert base.fingerprint not in fingerprints.values() and len(set(fingerprints.values())) == len(changes)
    assert dataclasses.replace(base, rule="mean-of-items").fingerprint != base.fingerprint
    assert dataclasses.replace(base, comparable_with=(1,)).fingerprint == base.fingerprint


def test_satisfied_values_are_the_top_of_the_scale(tmp_path: Path):
    write_definition(tmp_path, minimal_instrument(index={**minimal_instrument()["index"], "satisfied": [3, 4]}))
    assert [str(p) for p in instruments.check_definitions(tmp_path)] == [
        "demo/1.yaml: index.satisfied: satisfied values [3, 4] are not the top of the scale, such as [4, 5]"]


def comparable_pair(tmp_path: Path, second: dict) -> list[str]:
    write_definition(tmp_path, minimal_instrument())
    write_definition(tmp_path, second)
    return [str(p) for p in instruments.check_definitions(tmp_path)]


def test_a_version_may_declare_itself_comparable_with_an_earlier_one(tmp_path: Path):
    second = two_items(comparable_with=[1])
    second["version"] = 2
    assert comparable_pair(tmp_path, second) == []
    registry = instruments.load_all(tmp_path, include_drafts=True)
    first, later = (registry.get("demo", v).index_definition() for v in (1, 2))
    assert first.fingerprint != later.fingerprint
    assert first.pools_with(later) and later.pools_with(first)
    assert registry.get("demo", 2).to_dict()["index"]["comparable_with"] == [1]
    # Without the declaration the two differ and do not pool; a version always pools with itself.
    assert not dataclasses.replace(later, comparable_with=()).pools_with(first)
    assert first.pools_with(first)


def test_comparable_versions_must_exist_come_earlier_and_keep_elements_weights_and_scale(tmp_path: Path):
    later = minimal_instrument(version=3, index={**minimal_instrument()["index"], "comparable_with": [2, 3, 5]})
    assert comparable_pair(tmp_path / "a", later) == [
        ("demo/3.yaml: index.comparable_with[1]: version 3 is not an earlier version; a later version declares "
         "itself comparable with earlier ones"),
        ("demo/3.yaml: index.comparable_with[2]: version 5 is not an earlier version; a later version declares "
         "itself comparable with earlier ones"),
    ]
    missing = minimal_instrument(version=3, index={**minimal_instrument()["index"], "comparable_with": [2]})
    assert comparable_pair(tmp_path / "b", missing) == ["demo/3.yaml: index.comparable_with[0]: demo has no valid version 2"]
    reweighted = two_items(comparable_with=[1], satisfied=[5])
    reweighted["version"] = 2
    reweighted["elements"][1]["weight"] = 1
    assert comparable_pair(tmp_path / "c", reweighted) == [
        ("demo/2.yaml: index.comparable_with[0]: version 1 cannot be pooled with this one: it has other element "
         "weights, other satisfied values")]


def test_the_shipped_published_versions_keep_their_locked_fingerprints():
    # The index section gained `comparable_with`; versions locked before it must read exactly as before.
    assert instruments.check_definitions() == []
    assert "comparable_with" not in instruments.get("sipas_qr").to_dict()["index"]


def test_instruments_has_no_import_cycle_and_imports_nothing_of_the_application():
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            imported |= {name for name in names if name.split(".")[0] in ("instruments", "survey", "stats")}
        graph[f"instruments.{path.stem}"] = imported
    assert not {name for names in graph.values() for name in names if not name.startswith("instruments")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    cycles = sorted(module for module in graph if module != "instruments.__init__" and reaches(module, module, set()))
    assert cycles == []
