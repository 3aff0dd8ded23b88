from __future__ import annotations

import dataclasses
import unicodedata

import pytest
import yaml

import instruments
from instruments.checks import DEFAULT_DEFINITIONS

# Element titles and criteria counts of the SIPAS scheme (Decision 2640/QĐ-BNV), typed from its published text.
SIPAS_ELEMENTS = {
    "Tiếp cận dịch vụ": 4,
    "Thủ tục hành chính": 5,
    "Công chức trực tiếp giải quyết công việc": 6,
    "Kết quả giải quyết": 3,
    "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị": 4,
}
SCALE5_LABELS = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]


def test_shipped_definitions_have_no_problems():
    assert instruments.check_definitions() == []


def test_lock_file_matches_every_published_version():
    lock = yaml.safe_load((DEFAULT_DEFINITIONS / "published.lock.yaml").read_text(encoding="utf-8"))
    locked = {(entry["key"], entry["version"]): entry["fingerprint"] for entry in lock}
    published = {(i.key, i.version): i.fingerprint() for i in instruments.registry()}
    assert locked == published
    assert {key for key, _ in published} == {"sipas_full", "sipas_qr"}


def test_full_instrument_follows_sipas_structure():
    full = instruments.get("sipas_full")
    assert [element.title.vi for element in full.elements] == list(SIPAS_ELEMENTS)
    for element in full.elements:
        items = full.items_of(element.key)
        criteria = [item for item in items if item.type == "agree5"]
        ratings = [item for item in items if item.type == "scale5"]
        assert len(criteria) == SIPAS_ELEMENTS[element.title.vi]
        assert len(ratings) == 1
    assert sum(item.type == "agree5" for item in full.items) == 22
    assert full.item("overall_sat").required and full.item("overall_sat").type == "scale5"
    assert set(full.quasi_identifiers()) == {"gender", "age_group"}
    assert full.free_text_items() == ("comment",)
    for code in ("gender", "age_group", "comment"):
        assert not full.item(code).required
        assert full.item(code).element is None


def test_qr_instrument_is_short():
    qr = instruments.get("sipas_qr")
    ratings = [item for item in qr.items if item.element is not None]
    assert [item.type for item in ratings] == ["scale5"] * 5
    assert {item.element for item in ratings} == {element.key for element in qr.elements}
    assert qr.item("comment").max_length == 500 and not qr.item("comment").required
    assert qr.item("procedure").type == "procedure" and not qr.item("procedure").required
    assert len(qr.items) == 8
    assert [item.code for item in qr.items if item.required] == ["overall_sat"]


@pytest.mark.parametrize("key", ["sipas_full", "sipas_qr"])
def test_every_text_is_in_vietnamese_and_english(key: str):
    instrument = instruments.get(key)
    texts = [instrument.title_text, instrument.intro_text, *(element.title for element in instrument.elements)]
    for item in instrument.items:
        texts.append(item.text)
        texts.extend(option.label for option in item.options)
        if item.hint:
            texts.append(item.hint)
    for text in texts:
        assert text.vi.strip() and text.en and text.en.strip()
        assert unicodedata.is_normalized("NFC", text.vi)
    # Vietnamese wording carries diacritics; an item text in plain ASCII would be missing them.
    for item in instrument.items:
        assert any(ord(character) > 127 for character in item.text.vi), item.code


@pytest.mark.parametrize("key", ["sipas_full", "sipas_qr"])
def test_satisfaction_scale_labels(key: str):
    overall = instruments.get(key).item("overall_sat")
    assert [option.code for option in overall.options] == [1, 2, 3, 4, 5]
    assert [option.label.vi for option in overall.options] == SCALE5_LABELS


@pytest.mark.parametrize("key", ["sipas_full", "sipas_qr"])
def test_index_definition_matches_elements(key: str):
    instrument = instruments.get(key)
    definition = instrument.index_definition()
    assert [element.key for element in definition.elements] == [element.key for element in instrument.elements]
    assert sum(element.weight for element in definition.elements) == pytest.approx(1.0)
    assert all(element.weight == pytest.approx(0.2) for element in definition.elements)
    for element in definition.elements:
        assert element.item_codes == (f"{element.key}_sat",)
        assert instrument.item(element.item_codes[0]).element == element.key
        assert element.satisfied_values == (4, 5)
    assert definition.overall_item == "overall_sat"
    assert definition.to_dict()["elements"][0]["item_codes"] == (f"{instrument.elements[0].key}_sat",)


def test_registry_lookup():
    assert instruments.get("sipas_qr", 1) is instruments.get("sipas_qr")
    assert instruments.registry().versions("sipas_full") == (1,)
    assert instruments.get("sipas_qr").title("en") == "Your opinion of today's service"
    with pytest.raises(instruments.UnknownInstrument, match="no instrument 'nope'"):
        instruments.get("nope")
    with pytest.raises(instruments.UnknownInstrument, match="no version 9"):
        instruments.get("sipas_qr", 9)
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        instruments.get("sipas_qr").title("fr")
    with pytest.raises(KeyError, match="no item 'nope'"):
        instruments.get("sipas_qr").item("nope")


def test_fingerprint_ignores_status_but_not_wording():
    qr = instruments.get("sipas_qr")
    assert dataclasses.replace(qr, status="draft").fingerprint() == qr.fingerprint()
    reworded = dataclasses.replace(qr.items[1], text=instruments.Text("Chỗ ngồi chờ", "Seats"))
    changed = dataclasses.replace(qr, items=(qr.items[0], reworded, *qr.items[2:]))
    assert changed.fingerprint() != qr.fingerprint()
    assert instruments.load_all().get("sipas_qr").fingerprint() == qr.fingerprint()
