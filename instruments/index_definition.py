"""What the statistics need to compute an instrument's indices, as plain data."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ElementIndex:
    key: str
    # Share of the composite index: the instrument's element weights scaled to sum to 1.
    weight: float
    item_codes: tuple[str, ...]
    satisfied_values: tuple[int, ...]


@dataclass(frozen=True)
class IndexDefinition:
    instrument: str
    version: int
    elements: tuple[ElementIndex, ...]
    satisfied_values: tuple[int, ...]
    overall_item: str | None
    scale_min: int = 1
    scale_max: int = 5

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
