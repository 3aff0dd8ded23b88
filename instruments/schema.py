"""The definition-file schema: turns parsed YAML into an Instrument, reporting every problem with its path."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from instruments.index_definition import ElementIndex, IndexDefinition
from instruments.items import Element, Item
from instruments.model import Instrument
from instruments.problems import Problem, ProblemLog
from instruments.scales import BUILTIN_OPTIONS, DEFAULT_SATISFIED, INDEX_TYPES, ITEM_TYPES, Option
from instruments.text import LANGUAGES, Text

STATUSES = ("draft", "published")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TEXT_LENGTH = 10_000
MAX_OPTION_CODE = 9_999
_ITEM_FIELDS = ("required", "element", "options", "max_length", "quasi_identifier", "hint")


def _join(path: str, name: object) -> str:
    return f"{path}.{name}" if path else str(name)


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


class _Reader:
    """Typed access to parsed YAML; a wrong value is logged and read as None so checking can go on."""

    def __init__(self, log: ProblemLog) -> None:
        self.log = log

    def fields(self, value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.log.add(path, f"expected a mapping, got {_kind(value)}")
            return None
        for name in value:
            if name not in required and name not in optional:
                self.log.add(_join(path, name), "unknown field")
        for name in required:
            if name not in value:
                self.log.add(_join(path, name), "required field is missing")
        return value

    def get(self, mapping: dict[str, Any], name: str, path: str, read: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        if name not in mapping:
            return default
        return read(mapping[name], _join(path, name), *args)

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str):
            self.log.add(path, f"expected text, got {_kind(value)}")
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if not value:
            self.log.add(path, "text is empty")
            return None
        return value

    def identifier(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            self.log.add(path, f"{value!r} is not a code (lower-case letter, then letters, digits or _; at most 40)")
            return None
        return value

    def integer(self, value: object, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.log.add(path, f"expected a whole number from {low} to {high}, got {value!r}")
            return None
        return value

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.log.add(path, f"expected true or false, got {value!r}")
            return None
        return value

    def weight(self, value: object, path: str) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
            self.log.add(path, f"expected a positive number, got {value!r}")
            return None
        return float(value)

    def listing(self, value: object, path: str) -> list[Any] | None:
        if not isinstance(value, list) or not value:
            self.log.add(path, f"expected a non-empty list, got {_kind(value)}")
            return None
        return value

    def choice(self, value: object, path: str, allowed: tuple[str, ...], what: str) -> str | None:
        if value not in allowed:
            self.log.add(path, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
            return None
        return value

    def text(self, value: object, path: str) -> Text | None:
        mapping = self.fields(value, path, ("vi",), LANGUAGES[1:])
        if mapping is None:
            return None
        texts = {lang: self.get(mapping, lang, path, self.string) for lang in LANGUAGES}
        return Text(**texts) if texts["vi"] is not None else None


def _read_elements(reader: _Reader, raw: list[Any]) -> list[Element]:
    elements: list[Element] = []
    seen: set[str] = set()
    for position, value in enumerate(raw):
        path = f"elements[{position}]"
        mapping = reader.fields(value, path, ("key", "title"), ("weight",))
        if mapping is None:
            continue
        key = reader.get(mapping, "key", path, reader.identifier)
        if key in seen:
            reader.log.add(_join(path, "key"), f"duplicate element key '{key}'")
        seen.add(key)
        weight = reader.get(mapping, "weight", path, reader.weight, default=1.0)
        title = reader.get(mapping, "title", path, reader.text)
        if key and weight and title:
            elements.append(Element(key, weight, title))
    return elements


def _read_options(reader: _Reader, value: object, path: str) -> tuple[Option, ...]:
    options: list[Option] = []
    raw = reader.listing(value, path) or []
    if len(raw) == 1:
        reader.log.add(path, "a choice needs at least two options")
    for position, option_value in enumerate(raw):
        option_path = f"{path}[{position}]"
        mapping = reader.fields(option_value, option_path, ("code", "label"), ())
        if mapping is None:
            continue
        code = reader.get(mapping, "code", option_path, reader.integer, 0, MAX_OPTION_CODE)
        if code is not None and code in {option.code for option in options}:
            reader.log.add(_join(option_path, "code"), f"duplicate option code {code}")
        label = reader.get(mapping, "label", option_path, reader.text)
        if code is not None and label is not None:
            options.append(Option(code, label))
    return tuple(options)


def _read_item(reader: _Reader, value: object, path: str, element_keys: set[str]) -> Item | None:
    mapping = reader.fields(value, path, ("code", "type", "text"), _ITEM_FIELDS)
    if mapping is None:
        return None
    code = reader.get(mapping, "code", path, reader.identifier)
    item_type = reader.get(mapping, "type", path, reader.choice, ITEM_TYPES, "type")
    text = reader.get(mapping, "text", path, reader.text)
    element = reader.get(mapping, "element", path, reader.identifier)
    if element is not None and element not in element_keys:
        reader.log.add(_join(path, "element"), f"unknown element '{element}'")
    options = BUILTIN_OPTIONS.get(item_type, ())
    if item_type == "choice":
        options = reader.get(mapping, "options", path, lambda v, p: _read_options(reader, v, p), default=())
        if "options" not in mapping:
            reader.log.add(_join(path, "options"), "a choice item needs options")
    elif "options" in mapping:
        reader.log.add(_join(path, "options"), "options are only for type 'choice'")
    max_length = reader.get(mapping, "max_length", path, reader.integer, 1, MAX_TEXT_LENGTH)
    if item_type == "text" and "max_length" not in mapping:
        reader.log.add(_join(path, "max_length"), "a text item needs max_length")
    elif item_type != "text" and "max_length" in mapping:
        reader.log.add(_join(path, "max_length"), "max_length is only for type 'text'")
    required = reader.get(mapping, "required", path, reader.boolean, default=False)
    quasi_identifier = reader.get(mapping, "quasi_identifier", path, reader.boolean, default=False)
    hint = reader.get(mapping, "hint", path, reader.text)
    if None in (code, item_type, text, required, quasi_identifier):
        return None
    return Item(code, item_type, text, required, element, options, max_length, quasi_identifier, hint)



def _read_items(reader: _Reader, raw: list[Any], element_keys: set[str]) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for position, value in enumerate(raw):
        path = f"items[{position}]"
        code = value.get("code") if isinstance(value, dict) else None
        if isinstance(code, str) and code in seen:
            reader.log.add(_join(path, "code"), f"duplicate item code '{code}'")
        seen.add(code)  # type: ignore[arg-type]
        item = _read_item(reader, value, path, element_keys)
        if item is not None:
            items.append(item)
    return items


def _read_index_items(reader: _Reader, value: object, path: str, element: str, items: dict[str, Item]) -> tuple[str, ...]:
    codes: list[str] = []
    for position, code_value in enumerate(reader.listing(value, path) or []):
        code_path = f"{path}[{position}]"
        code = reader.identifier(code_value, code_path)
        item = items.get(code) if code else None
        if code and item is None:
            reader.log.add(code_path, f"unknown item '{code}'")
        elif item is not None and item.type not in INDEX_TYPES:
            reader.log.add(code_path, f"item '{code}' has type '{item.type}'; only scale5 and agree5 items feed an index")
        elif item is not None and item.element != element:
            reader.log.add(code_path, f"item '{code}' belongs to element '{item.element}', not '{element}'")
        if code:
            codes.append(code)
    return tuple(codes)


def _read_satisfied(reader: _Reader, value: object, path: str) -> tuple[int, ...] | None:
    raw = reader.listing(value, path) or []
    values = [reader.integer(entry, f"{path}[{position}]", 1, 5) for position, entry in enumerate(raw)]
    if len(set(values)) != len(values):
        reader.log.add(path, "satisfied values repeat")
    found = tuple(sorted(v for v in values if v is not None))
    if found and None not in values and found != tuple(range(found[0], 6)):
        # The element rule (lowest answered item) needs "satisfied" to mean "at least k".
        reader.log.add(path, f"satisfied values {list(found)} are not the top of the scale, such as [4, 5]")
    return found or None


def _read_comparable(reader: _Reader, value: object, path: str, version: int | None) -> tuple[int, ...]:
    raw = reader.listing(value, path) or []
    values = [reader.integer(entry, f"{path}[{position}]", 1, 1_000_000) for position, entry in enumerate(raw)]
    if len(set(values)) != len(values):
        reader.log.add(path, "versions repeat")
    for position, other in enumerate(values):
        if version is not None and other is not None and other >= version:
            reader.log.add(f"{path}[{position}]", f"version {other} is not an earlier version; a later version "
                                                  "declares itself comparable with earlier ones")
    return tuple(sorted(v for v in values if v is not None))


_IndexParts = tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[int, ...], str | None, tuple[int, ...]]


def _read_index(
    reader: _Reader, value: object, elements: list[Element], items: list[Item], version: int | None
) -> _IndexParts | None:
    mapping = reader.fields(value, "index", ("elements",), ("satisfied", "overall", "comparable_with"))
    if mapping is None:
        return None
    by_code = {item.code: item for item in items}
    element_items: dict[str, tuple[str, ...]] = {}
    per_element = mapping.get("elements", {})
    if not isinstance(per_element, dict):
        reader.log.add("index.elements", f"expected a mapping from element key to item codes, got {_kind(per_element)}")
        per_element = {}
    known = [element.key for element in elements]
    for name, codes in per_element.items():
        path = _join("index.elements", name)
        if name not in known:
            reader.log.add(path, f"unknown element '{name}'")
        element_items[name] = _read_index_items(reader, codes, path, name, by_code)
    for key in known:
        if key not in per_element and "elements" in mapping:
            reader.log.add("index.elements", f"element '{key}' has no index items")
    satisfied = reader.get(mapping, "satisfied", "index", lambda v, p: _read_satisfied(reader, v, p), default=DEFAULT_SATISFIED)
    overall = reader.get(mapping, "overall", "index", reader.identifier)
    overall_item = by_code.get(overall) if overall else None
    if overall and overall_item is None:
        reader.log.add("index.overall", f"unknown item '{overall}'")
    elif overall_item is not None and overall_item.type != "scale5":
        reader.log.add("index.overall", f"item '{overall}' has type '{overall_item.type}'; the overall item is scale5")
    elif overall and any(overall in codes for codes in element_items.values()):
        reader.log.add("index.overall", f"item '{overall}' also feeds an element index")
    comparable = reader.get(mapping, "comparable_with", "index",
                            lambda v, p: _read_comparable(reader, v, p, version), default=())
    ordered = tuple((key, element_items[key]) for key in known if key in element_items)
    return (ordered, satisfied, overall, comparable) if satisfied else None


def _definition(key: str, version: int, elements: list[Element], parts: _IndexParts) -> IndexDefinition:
    element_items, satisfied, overall, comparable = parts
    items_by_element = dict(element_items)
    total_weight = sum(element.weight for element in elements)
    return IndexDefinition(
        instrument=key,
        version=version,
        elements=tuple(
            ElementIndex(e.key, e.weight / total_weight, items_by_element[e.key], satisfied) for e in elements
        ),
        satisfied_values=satisfied,
        overall_item=overall,
        comparable_with=comparable,
    )



def parse_instrument(data: object, file: str, source: str | None = None) -> tuple[Instrument | None, list[Problem]]:
    """The instrument, or None and every problem found; `file` names the source in problems."""
    log = ProblemLog(file)
    reader = _Reader(log)
    top = reader.fields(data, "", ("key", "version", "status", "title", "intro", "elements", "items", "index"), ())
    if top is None:
        return None, log.problems
    key = reader.get(top, "key", "", reader.identifier)
    version = reader.get(top, "version", "", reader.integer, 1, 1_000_000)
    status = reader.get(top, "status", "", reader.choice, STATUSES, "status")
    title = reader.get(top, "title", "", reader.text)
    intro = reader.get(top, "intro", "", reader.text)
    elements = _read_elements(reader, reader.get(top, "elements", "", reader.listing) or [])
    items = _read_items(reader, reader.get(top, "items", "", reader.listing) or [], {e.key for e in elements})
    parts = reader.get(top, "index", "", lambda value, _path: _read_index(reader, value, elements, items, version))
    if log.problems:
        return None, log.problems
    index = _definition(key, version, elements, parts)
    instrument = Instrument(key, version, status, title, intro, tuple(elements), tuple(items), index, source=source)
    return instrument, []
