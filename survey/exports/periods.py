"""Which months an export covers, and how a month is written at the export's grain.

An export names its period in the one grammar of ``survey.core.periods`` and writes each response's
period at a grain (month, quarter, year) no finer than what disclosure control allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.core.periods import Grain, Period, quarter_of
from survey.core.periods import parse_period as parse_any

GRAINS = ("month", "quarter", "year", "all")


@dataclass(frozen=True)
class PeriodSpan:
    """Months ``first``..``last`` inclusive (``YYYY-MM`` strings compare in time order)."""

    period: Period

    @property
    def first(self) -> str:
        return self.period.first_month

    @property
    def last(self) -> str:
        return self.period.last_month

    @property
    def grain(self) -> str:
        """The finest grain the export writes by default: a range is written by month."""
        return "month" if self.period.grain is Grain.RANGE else str(self.period.grain)

    @property
    def label(self) -> str:
        """The canonical form (2026-Q3), the period's name in file names and at the grain "all"."""
        return self.period.label

    def months(self) -> list[str]:
        return self.period.months


def parse_period(text: str) -> PeriodSpan:
    """Any period ``survey.core.periods`` reads; anything else is a ValueError (a PeriodError)."""
    return PeriodSpan(parse_any(text))


def check_grain(grain: str) -> str:
    if grain not in GRAINS[:3]:
        raise ValueError(f"grain must be month, quarter or year, not {grain!r}")
    return grain


def coarser(grain: str) -> str | None:
    """The next grain up, ``all`` meaning the export's whole period; None above that."""
    position = GRAINS.index(grain)
    return GRAINS[position + 1] if position + 1 < len(GRAINS) else None


def at_grain(month: str, grain: str, span: PeriodSpan) -> str:
    if grain == "month":
        return month
    if grain == "quarter":
        return quarter_of(month)
    if grain == "year":
        return month[:4]
    return span.label
