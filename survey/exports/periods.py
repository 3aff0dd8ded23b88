"""Which months an export covers, and how a month is written at the export's grain.

Responses carry their month (``YYYY-MM``); an export names a month (``2026-07``), a quarter (``2026-Q3``),
a year (``2026``) or a range of months (``2026-01..2026-06``), and writes each response's period at a
grain (month, quarter, year) no finer than what disclosure control allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.reports.periods import QUARTER, YEAR
from survey.reports.periods import parse_period as report_period

GRAINS = ("month", "quarter", "year", "all")


@dataclass(frozen=True)
class PeriodSpan:
    """Months ``first``..``last`` inclusive (``YYYY-MM`` strings compare in time order)."""

    first: str
    last: str
    grain: str
    # As the user wrote it (2026-Q3), the period's name in file names and at the grain "all".
    label: str

    def months(self) -> list[str]:
        months, (year, month) = [], map(int, self.first.split("-"))
        while (current := f"{year:04d}-{month:02d}") <= self.last:
            months.append(current)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def parse_period(text: str) -> PeriodSpan:
    """``2026-07``, ``2026-Q3``, ``2026`` or ``2026-01..2026-06``, in the reports' grammar (one definition of a
    period for reports and exports); anything else is a ValueError."""
    period = report_period(text)
    grain = "quarter" if QUARTER.match(period.label) else "year" if YEAR.match(period.label) else "month"
    return PeriodSpan(period.first_month, period.last_month, grain, period.label)


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
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    if grain == "year":
        return month[:4]
    return span.label
