"""The in-memory form of an instrument version: frozen, built only by the schema parser."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from instruments.answers import validate_answers
from instruments.index_definition import IndexDefinition
from instruments.items import Element, Item
from instruments.text import DEFAULT_LANGUAGE, Text

__all__ = ["Element", "Instrument", "Item"]


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    status: str
    title_text: Text
    intro_text: Text
    elements: tuple[Element, ...]
    items: tuple[Item, ...]
    index: IndexDefinition
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
        """How this version's answers are scored into the satisfaction index (see instruments.index_definition)."""
        return self.index

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "version": self.version,
            "status": self.status,
            "title": self.title_text.to_dict(),
            "intro": self.intro_text.to_dict(),
            "elements": [element.to_dict() for element in self.elements],
            "items": [item.to_dict() for item in self.items],
            "index": self.index.spec_dict(),
        }

    def fingerprint(self) -> str:
        # Publishing a draft must not change its fingerprint, so the status is left out.
        meaning = {name: value for name, value in self.to_dict().items() if name != "status"}
        canonical = json.dumps(meaning, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
