"""The satisfaction-index definition of one instrument version: the one place the index is defined.

Every response is scored by the definition of the version it answered, and stores the definition's
fingerprint, so a report can tell which definition produced each stored rating.

The definition says:

- **Elements** in order (the order is the order of the stored element ratings), each with its share
  ``a_e`` of the composite index (the instrument's element weights scaled to sum to 1) and the rating
  items that feed it.
- **Satisfied values**: the top of the 5-point scale, 4 and 5 ("Hài lòng", "Rất hài lòng") by default.
  They are always the top of the scale (4-5, or 5 alone, or 3-5), so "satisfied" is "at least k".
- **The overall item**, reported as its own index beside the composite.
- **The rule that combines several items into one element rating** (:data:`SCORING_RULE`): an element's
  rating is the *lowest* of its answered items, so the element counts as satisfied only when every item
  the respondent answered is satisfied. An element none of whose items was answered has no rating: it is
  item non-response for that element only. With one item per element (SIPAS) the rating is that item's
  answer. This rule was chosen over a mean of the items because the rating it stores is an answer the
  citizen actually gave (a whole number on the scale, checkable against the answers), and because the
  index stays a share of satisfied respondents: a mean of 3 and 5 would count as "satisfied" a citizen
  who was dissatisfied with part of the element.

The **fingerprint** is a hash of the canonical content above (rule, scale, satisfied values, elements
with their shares and items, overall item), not of the instrument's key, version or wording: two versions
that score answers the same way share a fingerprint and pool without further ado. ``comparable_with``
names other versions whose indices may be pooled with this one although their definitions differ (for
example an element fed by one more item); it is a declaration about versions, so it is not part of the
fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property

# Named in the fingerprint, so a future change of rule changes every fingerprint and old responses are
# never read as if they had been scored by the new rule.
SCORING_RULE = "lowest-answered-item"


@dataclass(frozen=True)
class ElementIndex:
    key: str
    # Share of the composite index: the instrument's element weights scaled to sum to 1.
    weight: float
    item_codes: tuple[str, ...]
    satisfied_values: tuple[int, ...]


@dataclass(frozen=True)
class Scores:
    """What one response contributes to the index.

    ``elements`` holds each element's rating in the definition's order (None: none of its items answered),
    ``overall`` the overall rating, ``fingerprint`` the definition that scored them.
    """

    elements: tuple[int | None, ...]
    overall: int | None
    fingerprint: str


@dataclass(frozen=True)
class IndexDefinition:
    instrument: str
    version: int
    elements: tuple[ElementIndex, ...]
    satisfied_values: tuple[int, ...]
    overall_item: str | None
    scale_min: int = 1
    scale_max: int = 5
    comparable_with: tuple[int, ...] = ()
    rule: str = SCORING_RULE

    def canonical(self) -> dict[str, object]:
        """The content the fingerprint covers: everything that decides a stored rating or the composite."""
        return {
            "rule": self.rule,
            "scale": [self.scale_min, self.scale_max],
            "satisfied": list(self.satisfied_values),
            "elements": [
                {"key": e.key, "share": round(e.weight, 12), "items": list(e.item_codes)} for e in self.elements
            ],
            "overall": self.overall_item,
        }

    @cached_property
    def fingerprint(self) -> str:
        text = json.dumps(self.canonical(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    def element(self, key: str) -> ElementIndex:
        for element in self.elements:
            if element.key == key:
                return element
        raise KeyError(f"index of {self.instrument} v{self.version} has no element {key!r}")

    @staticmethod
    def _rating(answers: Mapping[str, int | str], code: str) -> int | None:
        value = answers.get(code)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"item {code!r} feeds the index but its answer {value!r} is not a rating")
        return value

    def element_rating(self, element: ElementIndex, answers: Mapping[str, int | str]) -> int | None:
        """The lowest answered rating of the element's items, None when none was answered."""
        ratings = [r for r in (self._rating(answers, code) for code in element.item_codes) if r is not None]
        return min(ratings) if ratings else None

    def score(self, answers: Mapping[str, int | str]) -> Scores:
        """Element ratings and the overall rating of one response's checked answers (item code -> value)."""
        overall = self._rating(answers, self.overall_item) if self.overall_item else None
        return Scores(tuple(self.element_rating(e, answers) for e in self.elements), overall, self.fingerprint)

    def satisfied(self, rating: int | None) -> bool | None:
        """Whether a stored rating counts as satisfied; None for no rating."""
        return None if rating is None else rating in self.satisfied_values

    def pools_with(self, other: IndexDefinition) -> bool:
        """Whether indices of the two versions may be estimated together: the same instrument, and the same
        definition or a declaration, in either version, that they are comparable."""
        if other.instrument != self.instrument:
            return False
        return (other.fingerprint == self.fingerprint or other.version in self.comparable_with
                or self.version in other.comparable_with)

    def spec_dict(self) -> dict[str, object]:
        """The ``index`` section as the definition file gives it (part of the instrument's locked fingerprint)."""
        data: dict[str, object] = {
            "elements": {e.key: list(e.item_codes) for e in self.elements},
            "satisfied": list(self.satisfied_values),
            "overall": self.overall_item,
        }
        if self.comparable_with:
            # Only when declared, so versions locked before the field existed keep their fingerprint.
            data["comparable_with"] = list(self.comparable_with)
        return data

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "fingerprint": self.fingerprint}
