"""Elements and items of an instrument version: plain frozen data, shared by the model and the answer checks.

They live apart from :mod:`instruments.model` so that checking answers (which needs items) and the model
(which offers checking answers) do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.scales import CODED_TYPES, Option
from instruments.text import Text


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
