from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import instruments
from instruments.__main__ import main
from tests.instruments.conftest import minimal_instrument, write_definition


def problem_lines(root: Path) -> list[str]:
    return [str(problem) for problem in instruments.check_definitions(root)]


def test_minimal_draft_is_clean(tmp_path: Path):
    write_definition(tmp_path, minimal_instrument())
    assert problem_lines(tmp_path) == []
    registry = instruments.load_all(tmp_path, include_drafts=True)
    assert registry.get("demo").index_definition().elements[1].weight == pytest.approx(0.75)
    assert len(instruments.load_all(tmp_path)) == 0


def test_every_schema_problem_is_reported_with_file_and_path(tmp_path: Path):
    data = minimal_instrument(status="final", title={"vi": "", "fr": "Enquête"}, colour="blue")
    del data["intro"]
    data["elements"].append({"key": "access", "weight": -1, "title": {"vi": "Lặp"}})
    items = data["items"]
    items[0]["type"] = "x"
    items[1]["element"] = "nowhere"
    items[2]["required"] = "yes"
    items[4]["options"] = [{"code": 1, "label": {"vi": "Nam"}}, {"code": 1, "label": {"en": "Female"}}]
    items[5].pop("max_length")
    items[6]["max_length"] = 10
    items.append({"code": "access_sat", "type": "yesno", "text": {"vi": "Lặp mã"}})
    items.append({"code": "Bad Code", "type": "choice", "text": {"vi": "Chọn"}})
    data["index"] = {
        "elements": {"access": ["comment"], "ghost": ["results_sat"]},
        "satisfied": [4, 6],
        "overall": "gender",
    }
    write_definition(tmp_path, data)
    lines = problem_lines(tmp_path)
    expected = [
        "demo/1.yaml: colour: unknown field",
        "demo/1.yaml: intro: required field is missing",
        "demo/1.yaml: status: unknown status 'final'; expected one of draft, published",
        "demo/1.yaml: title.fr: unknown field",
        "demo/1.yaml: title.vi: text is empty",
        "demo/1.yaml: elements[2].key: duplicate element key 'access'",
        "demo/1.yaml: elements[2].weight: expected a positive number, got -1",
        "demo/1.yaml: items[0].type: unknown type 'x'; expected one of scale5, agree5, yesno, choice, text, procedure",
        "demo/1.yaml: items[1].element: unknown element 'nowhere'",
        "demo/1.yaml: items[2].required: expected true or false, got 'yes'",
        "demo/1.yaml: items[4].options[1].code: duplicate option code 1",
        "demo/1.yaml: items[4].options[1].label.vi: required field is missing",
        "demo/1.yaml: items[5].max_length: a text item needs max_length",
        "demo/1.yaml: items[6].max_length: max_length is only for type 'text'",
        "demo/1.yaml: items[7].code: duplicate item code 'access_sat'",
        "demo/1.yaml: items[8].code: 'Bad Code' is not a code (lower-case letter, then letters, digits or _; at most 40)",
        "demo/1.yaml: items[8].options: a choice item needs options",
        "demo/1.yaml: index.elements.access[0]: item 'comment' has type 'text'; only scale5 and agree5 items feed an index",
        "demo/1.yaml: index.elements.ghost: unknown element 'ghost'",
        "demo/1.yaml: index.elements: element 'results' has no index items",
        "demo/1.yaml: index.satisfied[1]: expected a whole number from 1 to 5, got 6",
        "demo/1.yaml: index.overall: item 'gender' has type 'choice'; the overall item is scale5",
    ]
    missing = [line for line in expected if line not in lines]
    assert missing == []
    with pytest.raises(instruments.InstrumentDefinitionError) as raised:
        instruments.load_all(tmp_path)
    assert len(raised.value.problems) == len(lines) >= len(expected)


def test_index_item_must_belong_to_its_element(tmp_path: Path):
    data = minimal_instrument()
    data["index"]["elements"] = {"access": ["results_sat"], "results": ["results_sat"]}
    write_definition(tmp_path, data)
    assert problem_lines(tmp_path) == [
        "demo/1.yaml: index.elements.access[0]: item 'results_sat' belongs to element 'results', not 'access'"
    ]


def test_file_level_problems(tmp_path: Path):
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "1.yaml").write_text("key: broken\nversion: [1\n", encoding="utf-8")
    (tmp_path / "twice").mkdir()
    (tmp_path / "twice" / "1.yaml").write_text("key: a\nkey: b\n", encoding="utf-8")
    (tmp_path / "listing").mkdir()
    (tmp_path / "listing" / "1.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    write_definition(tmp_path, minimal_instrument(key="other"), "demo/1.yaml")
    write_definition(tmp_path, minimal_instrument(), "demo/2.yaml")
    write_definition(tmp_path, minimal_instrument(), "demo/draft.yaml")
    (tmp_path / "stray.yaml").write_text("{}", encoding="utf-8")
    lines = problem_lines(tmp_path)
    assert any(line.startswith("broken/1.yaml: invalid YAML at line 3") for line in lines), lines
    assert "twice/1.yaml: invalid YAML at line 2, column 1: duplicate key 'key'" in lines
    assert "listing/1.yaml: expected a mapping, got a list" in lines
    assert "demo/1.yaml: key: key 'other' does not match its folder 'demo'" in lines
    assert "demo/2.yaml: version: version 1 does not match the file name" in lines
    assert "demo/draft.yaml: unexpected file; a version file is named <version>.yaml" in lines
    assert "stray.yaml: unexpected file; definitions live in <key>/<version>.yaml" in lines


def test_missing_folder(tmp_path: Path):
    assert problem_lines(tmp_path / "absent") == [f"{tmp_path / 'absent'}: not a folder of instrument definitions"]


def test_published_version_is_immutable(shipped_copy: Path):
    path = shipped_copy / "sipas_qr" / "1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("hôm nay?", "hôm nay ạ?"), encoding="utf-8")
    lines = problem_lines(shipped_copy)
    assert len(lines) == 1
    assert lines[0].startswith("sipas_qr/1.yaml: published content changed")
    assert "put the edit in a new version" in lines[0]


def test_formatting_and_comments_do_not_count_as_edits(shipped_copy: Path):
    path = shipped_copy / "sipas_qr" / "1.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text("# reformatted\n" + yaml.safe_dump(data, allow_unicode=True, width=60), encoding="utf-8")
    assert problem_lines(shipped_copy) == []


def test_lock_refusals(shipped_copy: Path):
    qr = yaml.safe_load((shipped_copy / "sipas_qr" / "1.yaml").read_text(encoding="utf-8"))
    write_definition(shipped_copy, {**qr, "version": 2, "status": "published"})
    full_path = shipped_copy / "sipas_full" / "1.yaml"
    full_path.write_text(full_path.read_text(encoding="utf-8").replace("status: published", "status: draft"))
    (shipped_copy / "sipas_qr" / "1.yaml").unlink()
    assert sorted(problem_lines(shipped_copy)) == [
        "published.lock.yaml: sipas_qr version 1 is locked but its file is missing or invalid",
        "sipas_full/1.yaml: status: this version is published (locked) and cannot return to draft",
        "sipas_qr/2.yaml: published but not in the lock; run `python -m instruments lock`",
    ]


def test_lock_command_adds_new_versions_only(shipped_copy: Path, capsys: pytest.CaptureFixture[str]):
    lock_path = shipped_copy / "published.lock.yaml"
    before = lock_path.read_text(encoding="utf-8")
    qr = yaml.safe_load((shipped_copy / "sipas_qr" / "1.yaml").read_text(encoding="utf-8"))
    qr["items"][-1]["max_length"] = 300
    write_definition(shipped_copy, {**qr, "version": 2, "status": "draft"})
    assert main(["lock", str(shipped_copy)]) == 0
    assert lock_path.read_text(encoding="utf-8") == before  # a draft is not locked
    write_definition(shipped_copy, {**qr, "version": 2, "status": "published"})
    assert main(["lock", str(shipped_copy)]) == 0
    assert "locked sipas_qr version 2" in capsys.readouterr().out
    entries = yaml.safe_load(lock_path.read_text(encoding="utf-8"))
    assert entries[:2] == yaml.safe_load(before)
    assert problem_lines(shipped_copy) == []
    assert instruments.load_all(shipped_copy).get("sipas_qr").item("comment").max_length == 300


def test_lock_command_refuses_broken_definitions(shipped_copy: Path, capsys: pytest.CaptureFixture[str]):
    write_definition(shipped_copy, minimal_instrument(key="sipas_qr", version=2, status="published", colour=1))
    assert main(["lock", str(shipped_copy)]) == 1
    assert "sipas_qr/2.yaml: colour: unknown field" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("position", "change", "expected"),
    [
        (0, {"type": "agree5"}, "item code 'access_sat' had type 'scale5' in version 1 and has type 'agree5' here"),
        (3, {"type": "text", "max_length": 9}, "item code 'visited_before' had type 'yesno' in version 1 and has type 'text'"),
    ],
)
def test_reused_code_with_changed_type_is_refused(tmp_path: Path, position: int, change: dict, expected: str):
    write_definition(tmp_path, minimal_instrument())
    v2 = minimal_instrument(version=2)
    v2["items"][position].update(change)
    write_definition(tmp_path, v2)
    lines = problem_lines(tmp_path)
    assert len(lines) == 1 and lines[0].startswith(f"demo/2.yaml: items[{position}]: ")
    assert expected in lines[0]


def test_changed_option_codes_are_refused_even_after_a_gap(tmp_path: Path):
    write_definition(tmp_path, minimal_instrument())
    v2 = minimal_instrument(version=2)
    del v2["items"][4]
    write_definition(tmp_path, v2)
    v3 = minimal_instrument(version=3)
    v3["items"][4]["options"][1]["code"] = 3
    write_definition(tmp_path, v3)
    assert problem_lines(tmp_path) == [
        "demo/3.yaml: items[4]: item code 'gender' had type 'choice' with option codes [1, 2] in version 1 and has "
        "type 'choice' with option codes [1, 3] here; stored answers would change meaning, "
        "so a changed question needs a new item code"
    ]


def test_rewording_and_new_codes_are_compatible(tmp_path: Path):
    write_definition(tmp_path, minimal_instrument())
    v2 = minimal_instrument(version=2)
    v2["items"][0]["text"] = {"vi": "Chỗ ngồi chờ và trang thiết bị"}
    v2["items"].append({"code": "gender_v2", "type": "yesno", "text": {"vi": "Câu hỏi mới"}})
    write_definition(tmp_path, v2)
    assert problem_lines(tmp_path) == []


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["check"]) == 0
    assert "0 problem(s); 2 version(s), 2 published" in capsys.readouterr().out
    write_definition(tmp_path, minimal_instrument(version="one", status="published"))
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "demo/one.yaml: unexpected file; a version file is named <version>.yaml" in out
    assert out.strip().endswith("1 problem(s); 0 version(s), 0 published")
