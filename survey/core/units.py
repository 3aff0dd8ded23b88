"""Unit paths: where a unit sits in the tree of administrative units.

Every unit stores its materialised path, the ids from the root down to itself between slashes
(``/1/5/9/``). A subtree is then one ``LIKE '/1/5/%'`` and "is this unit under that one" a prefix test;
this value object is the only place that reads or writes the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATH = re.compile(r"/(?:[1-9]\d*/)+")


@dataclass(frozen=True)
class UnitPath:
    """The unit ids from the root down to the unit itself (never empty)."""

    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.ids or any(not isinstance(i, int) or i < 1 for i in self.ids):
            raise ValueError(f"a unit path is one or more positive unit ids, not {self.ids!r}")

    @classmethod
    def parse(cls, text: str) -> UnitPath:
        """``/1/5/9/`` as stored; ValueError for anything else."""
        if not isinstance(text, str) or not _PATH.fullmatch(text):
            raise ValueError(f"{text!r} is not a unit path such as /1/5/9/")
        return cls(tuple(int(part) for part in text[1:-1].split("/")))

    @classmethod
    def under(cls, parent: UnitPath | str | None, unit_id: int) -> UnitPath:
        """The path of unit ``unit_id`` below ``parent`` (a root unit when ``parent`` is None)."""
        if parent is None:
            return cls((unit_id,))
        return cls((*(parent.ids if isinstance(parent, UnitPath) else cls.parse(parent).ids), unit_id))

    def __str__(self) -> str:
        return "/" + "".join(f"{i}/" for i in self.ids)

    @property
    def unit_id(self) -> int:
        return self.ids[-1]

    @property
    def depth(self) -> int:
        """1 for a root unit, 2 for its children..."""
        return len(self.ids)

    @property
    def ancestors(self) -> tuple[int, ...]:
        """The ids above the unit, root first (empty for a root)."""
        return self.ids[:-1]

    @property
    def parent(self) -> UnitPath | None:
        return UnitPath(self.ids[:-1]) if len(self.ids) > 1 else None

    def is_within(self, other: UnitPath | str) -> bool:
        """This unit is ``other`` or somewhere below it."""
        other_ids = other.ids if isinstance(other, UnitPath) else UnitPath.parse(other).ids
        return self.ids[:len(other_ids)] == other_ids

    def is_child_of(self, other: UnitPath | str) -> bool:
        """This unit is directly below ``other``."""
        return self.depth == len(UnitPath.parse(str(other)).ids) + 1 and self.is_within(other)

    def id_at(self, depth: int) -> int | None:
        """The id at ``depth`` (1 = root) on the way down to this unit, None below it."""
        return self.ids[depth - 1] if 0 < depth <= len(self.ids) else None

    @property
    def subtree_like(self) -> str:
        """The LIKE pattern of this unit and everything below it (ids are digits: no wildcard to escape)."""
        return f"{self}%"


def subtree_like(path: str) -> str:
    """The LIKE pattern of the subtree of a stored path, checked."""
    return UnitPath.parse(path).subtree_like


def path_ids(path: str) -> tuple[int, ...]:
    """The ids on a stored path, root first."""
    return UnitPath.parse(path).ids


def is_within(path: str, ancestor: str) -> bool:
    """The unit of stored path ``path`` is the unit of ``ancestor`` or below it."""
    return UnitPath.parse(path).is_within(ancestor)
