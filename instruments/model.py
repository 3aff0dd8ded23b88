"""The in-memory form of an instrument version: frozen, built only by the schema parser."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from instruments.answers import validate_answers
from instruments.index_definition import ElementIndex, IndexDefinition
from instruments.scales import CODED_TYPES, Option
from instruments.text import DEFAULT_LANGUAGE, Text


@dataclass(frozen=True)
class Element:
    key: str
    weight: float
    title: Text

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "weight": self.weight, "title": self.title.to_dict()}


@dataclass(frozen=True)
class Item:
    code: str
    type: str
    text: Text
    required: bool = False
    element: str | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    quasi_identifier: bool = False
    hint: Text | None = None

    @property
    def coded(self) -> bool:
        return self.type in CODED_TYPES

    @property
    def free_text(self) -> bool:
        return self.type == "text"

    def option_codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "code": self.code,
            "type": self.type,
            "text": self.text.to_dict(),
            "required": self.required,
            "element": self.element,
            "quasi_identifier": self.quasi_identifier,
        }
        if self.options:
            data["options"] = [option.to_dict() for option in self.options]
        if self.max_length is not None:
            data["max_length"] = self.max_length
        if self.hint is not None:
            data["hint"] = self.hint.to_dict()
        return data


@dataclass(frozen=True)
class IndexSpec:
    element_items: tuple[tuple[str, tuple[str, ...]], ...]
    satisfied: tuple[int, ...]
    overall: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "elements": {key: list(codes) for key, codes in self.element_items},
            "satisfied": list(self.satisfied),
            "overall": self.overall,
        }


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    status: str
    title_text: Text
    intro_text: Text
    elements: tuple[Element, ...]
    items: tuple[Item, ...]
    index: IndexSpec
    source: str | None = field(default=None, compare=False, repr=False)
    _items_by_code: dict[str, Item] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_code", {item.code: item for item in self.items})

    @property
    def published(self) -> bool:
        return self.status == "published"

    def title(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.title_text.get(lang)

    def intro(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.intro_text.get(lang)

    def item(self, code: str) -> Item:
        try:
            return self._items_by_code[code]
        except KeyError:
            raise KeyError(f"instrument {self.key} v{self.version} has no item {code!r}") from None

    def element(self, key: str) -> Element:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(f"instrument {self.key} v{self.version} has no element {key!r}")

    def items_of(self, element_key: str) -> tuple[Item, ...]:
        self.element(element_key)
        return tuple(item for item in self.items if item.element == element_key)

    def quasi_identifiers(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items if item.quasi_identifier)

    def free_text_items(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items if item.free_text)

    def validate_answers(
        self,
        raw: Mapping[str, str | list[str]],
        procedures: Collection[str] | None = None,
        *,
        ignore: Collection[str] = (),
    ) -> dict[str, int | str]:
        return validate_answers(self.items, raw, procedures, ignore=ignore)

    def index_definition(self) -> IndexDefinition:
        total_weight = sum(element.weight for element in self.elements)
        items_by_element = dict(self.index.element_items)
        return IndexDefinition(
            instrument=self.key,
            version=self.version,
            elements=tuple(
                ElementIndex(
                    key=element.key,
                    weight=element.weight / total_weight,
                    item_codes=items_by_element[element.key],
                    satisfied_values=self.index.satisfied,
                )
                for element in self.elements
            ),
            satisfied_values=self.index.satisfied,
            overall_item=self.index.overall,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "version": self.version,
            "status": self.status,
            "title": self.title_text.to_dict(),
            "intro": self.intro_text.to_dict(),
            "elements": [element.to_dict() for element in self.elements],
            "items": [item.to_dict() for item in self.items],
            "index": self.index.to_dict(),
        }

    def fingerprint(self) -> str:
        # Publishing a draft must not change its fingerprint, so the status is left out.
        meaning = {name: value for name, value in self.to_dict().items() if name != "status"}
        canonical = json.dumps(meaning, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
