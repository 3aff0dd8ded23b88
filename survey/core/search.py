"""Finding a row by what an officer types, and showing long lists a page at a time.

A province has hundreds of communes and the country 3,321: the units and counters pages search by code or
name and show pages of :data:`PAGE_SIZE` rows. Officers type Vietnamese names with or without their marks
("Gia Viễn", "gia vien", "GIA VIEN"), so both sides are folded to unaccented lower case first (``đ`` too,
which Unicode does not decompose). The lists are the officer's own scope, a few thousand rows at most, and
folding in Python works the same on SQLite and PostgreSQL (neither has a portable ``unaccent``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

PAGE_SIZE = 50
# The combining diacritical marks (Vietnamese tones and vowel marks decompose into these).
_MARKS = re.compile("[\u0300-\u036f]")
MAX_QUERY = 100
Row = TypeVar("Row")


def fold(text: object) -> str:
    """``"Xã Gia Viễn"`` → ``"xa gia vien"``: no marks, no case, spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return " ".join(_MARKS.sub("", decomposed).casefold().split())


def matches(query: str, *fields: object) -> bool:
    """Every word of ``query`` appears in one of ``fields`` (an empty query matches everything)."""
    words = fold(query).split()
    haystack = " ".join(fold(field) for field in fields)
    return all(word in haystack for word in words)


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a filtered list, with what the page's links need."""

    rows: list[Row]
    number: int
    pages: int
    total: int
    query: str
    filters: dict[str, str]

    def link(self, number: int) -> str:
        """The query string of page ``number`` with the same search and filters."""
        values = {**{k: v for k, v in self.filters.items() if v}, **({"q": self.query} if self.query else {})}
        if number > 1:
            values["page"] = str(number)
        return "?" + urlencode(values) if values else "?"

    def cleared(self) -> str:
        """The query string of the first page without the search (the other filters kept)."""
        values = {k: v for k, v in self.filters.items() if v}
        return "?" + urlencode(values) if values else "?"

    @property
    def first_row(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1 if self.rows else 0


def paginate(rows: Sequence[Row], query: str, page: int, fields: Callable[[Row], tuple[object, ...]],
             filters: dict[str, str] | None = None) -> Page[Row]:
    """The rows matching ``query``, page ``page`` of them (clamped to the pages there are)."""
    query = " ".join(query.split())[:MAX_QUERY]
    found = [row for row in rows if matches(query, *fields(row))] if query else list(rows)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    number = min(max(page, 1), pages)
    start = (number - 1) * PAGE_SIZE
    return Page(found[start:start + PAGE_SIZE], number, pages, len(found), query, filters or {})
