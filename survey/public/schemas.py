"""What a public page and the open data hold: a subset of the officer report, as msgspec Structs.

A unit whose figures may not be shown (fewer answers than its province's minimum, or a verdict of
insufficient data) carries ``published=False`` and no number at all: not its index, not its interval,
not even its number of answers.
"""

from __future__ import annotations

import msgspec

SCHEMA_VERSION = "sipas-public/1"


class Figure(msgspec.Struct, frozen=True):
    """A satisfied share and its two-sided 95% interval."""

    value: float
    lower: float
    upper: float


class Rank(msgspec.Struct, frozen=True):
    """A rank band among the unit's siblings (PAPI style: "between 2nd and 6th of 13")."""

    best: int
    worst: int
    of: int


class UnitFigures(msgspec.Struct, frozen=True):
    code: str
    name: str
    level: str
    parent: str | None
    published: bool
    verdict: str  # met / not_met / inconclusive / insufficient_data
    answers: int | None = None
    composite: Figure | None = None
    overall: Figure | None = None
    elements: dict[str, Figure | None] = {}
    rank: Rank | None = None


class TrendPoint(msgspec.Struct, frozen=True):
    period: str
    verdict: str
    composite: Figure | None = None


class Crumb(msgspec.Struct, frozen=True):
    code: str
    name: str


class UnitView(msgspec.Struct, frozen=True):
    """One unit's public page for one period."""

    period: str
    target: float
    minimum_answers: int
    unit: UnitFigures
    crumbs: list[Crumb]
    trend: list[TrendPoint]
    children: list[UnitFigures]
    elements: list[str]


class OpenData(msgspec.Struct, frozen=True):
    """The JSON open data of a unit (and its sub-units) or of every published unit, for one period."""

    schema: str
    licence: str
    licence_url: str
    period: str
    target: float
    elements: list[str]
    units: list[UnitFigures]
