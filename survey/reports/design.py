"""The report's survey design: weighting cells as strata, their dossier volumes, and the PSUs.

Definitions (the project's statistical definitions): a cell is a unit × month; its ``n`` respondents
are treated as a simple random sample of its ``N`` dossiers, so they weigh ``w = N/n`` and the variance
has the finite population correction ``1 − n/N``. In R:
``svydesign(ids=~1, strata=~cell, weights=~w, fpc=~N)``; the counter-day option takes counter-days as
primary units, ``svydesign(ids=~counter_day, strata=~cell, weights=~w, fpc=~f)`` with ``f = n/N``.

Volumes are handled per cell, never by a global switch: a cell without an imported volume gets an
estimated ``N`` (see :func:`cell_volumes`) and is marked *provisional*. Every estimate of a cell depends
only on that cell's responses and on imported volumes, so adding responses to a month changes no
figure of a period that excludes it.

A cell whose stratum would hold a single PSU is collapsed with the same unit's nearest month inside
the period being estimated (never across periods, for the same reason); a cell with more responses than
dossiers keeps its weight but loses its fpc, and the report names it.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from stats.cells import CellDesign, CellEstimator, PsuRows, pattern_indicators
from survey.core.periods import month_label
from survey.reports.totals_query import CounterDayCounts, PatternCounts

DESIGNS = ("cell", "counter-day")
DEFAULT_DESIGN = "cell"
VOLUME_HISTORY_MONTHS = 12

KNOWN, UNIT_MEAN, PROVINCE_MEDIAN, UNWEIGHTED = "known", "unit-mean", "province-median", "unweighted"


def check_design(name: str) -> str:
    if name not in DESIGNS:
        raise ValueError(f"design {name!r} is not one of {', '.join(DESIGNS)}")
    return name


def working_days(year: int, month: int, until: date | None = None) -> int:
    """Monday-to-Friday days of a month (up to and including ``until`` when given)."""
    last = calendar.monthrange(year, month)[1]
    if until is not None:
        last = min(last, until.day) if (until.year, until.month) == (year, month) else last
    return sum(1 for day in range(1, last + 1) if date(year, month, day).weekday() < 5)


@dataclass(frozen=True)
class Cells:
    """Per weighting cell (unit × month) of valid responses: its counts, volume and how the volume is known."""

    unit: np.ndarray
    month: np.ndarray
    stratum: np.ndarray  # the unit's province (response stratum), for the imputation
    n: np.ndarray        # valid responses
    volume: np.ndarray   # N, imported or estimated
    source: np.ndarray   # KNOWN, UNIT_MEAN, PROVINCE_MEDIAN or UNWEIGHTED

    @property
    def size(self) -> int:
        return len(self.n)

    @property
    def weight(self) -> np.ndarray:
        return self.volume / self.n

    @property
    def provisional(self) -> np.ndarray:
        return self.source != KNOWN

    @property
    def overfull(self) -> np.ndarray:
        """Cells with more responses than dossiers: a data problem; their fpc is dropped."""
        return (self.source == KNOWN) & (self.n > self.volume)

    def index(self, unit: np.ndarray, month: np.ndarray) -> np.ndarray:
        """Position of the cell of each (unit, month); cells are sorted by unit, then month."""
        key = _cell_key(self.unit, self.month)
        wanted = _cell_key(unit, month)
        position = np.searchsorted(key, wanted)
        if len(wanted) and ((position >= len(key)).any() or not np.array_equal(key[position], wanted)):
            raise ValueError("a design row names a cell without valid responses")
        return position


def _cell_key(unit: np.ndarray, month: np.ndarray) -> np.ndarray:
    return np.asarray(unit, np.int64) * 1_000_000 + np.asarray(month, np.int64)


def cell_volumes(counts: PatternCounts, volumes: dict[tuple[int, str], int], in_progress: int | None,
                 progress: float) -> Cells:
    """The cells of valid responses with their ``N``: imported, else estimated, per cell.

    A cell without an imported volume gets the mean of the unit's imported monthly volumes over the
    previous 12 months (times ``progress``, the share of working days elapsed, for the month in
    progress), else ``n`` times the median weight of the same month's cells with imported volumes in
    the unit's province, else weight 1 without fpc. None of these reads another month's responses.
    """
    valid = counts.valid()
    if valid.size == 0:
        empty = np.zeros(0, np.int64)
        return Cells(empty, empty, empty, np.zeros(0), np.zeros(0), np.zeros(0, dtype=object))
    keys, inverse = np.unique(np.column_stack([valid.unit, valid.month]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    n = np.bincount(inverse, weights=valid.rows, minlength=len(keys))
    stratum = np.zeros(len(keys), np.int64)
    stratum[inverse] = valid.stratum
    unit, month = keys[:, 0], keys[:, 1]
    volume = np.array([float(volumes.get((int(u), month_label(int(m))), 0) or 0) for u, m in keys])
    source = np.where(volume > 0, KNOWN, "").astype(object)
    for i in np.flatnonzero(volume <= 0):
        history = [volumes.get((int(unit[i]), month_label(int(month[i]) - k)), 0) or 0
                   for k in range(1, VOLUME_HISTORY_MONTHS + 1)]
        known = [v for v in history if v > 0]
        if known:
            estimate = float(np.mean(known)) * (progress if in_progress == int(month[i]) else 1.0)
            volume[i], source[i] = max(estimate, n[i]), UNIT_MEAN
    for i in np.flatnonzero(source == ""):
        peers = (source == KNOWN) & (stratum == stratum[i]) & (month == month[i])
        if peers.any():
            volume[i], source[i] = n[i] * float(np.median(volume[peers] / n[peers])), PROVINCE_MEDIAN
        else:
            volume[i], source[i] = n[i], UNWEIGHTED
    return Cells(unit, month, stratum, n, volume, source)


def collapse(cells: Cells, psus: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Stratum code per cell: a cell with a single PSU joins the same unit's nearest month in its
    ``group`` (the period being estimated; ties go to the earlier month). Cells left alone stay lonely."""
    stratum = np.arange(cells.size)
    # Only units with a lonely cell need looking at (few, at national scale).
    lonely_units = np.unique(cells.unit[psus == 1])
    candidates = np.flatnonzero(np.isin(cells.unit, lonely_units))
    order = candidates[np.lexsort((cells.month[candidates], group[candidates].astype(str), cells.unit[candidates]))]
    run_start = 0
    for position in range(1, len(order) + 1):
        end = position == len(order)
        if not end:
            a, b = order[position - 1], order[position]
            end = cells.unit[a] != cells.unit[b] or group[a] != group[b]
        if end:
            run = order[run_start:position]
            if len(run) > 1:
                for i in run[psus[run] == 1]:
                    others = run[run != i]
                    distance = np.abs(cells.month[others] - cells.month[i]) * 2 + (cells.month[others] > cells.month[i])
                    stratum[i] = stratum[others[np.argmin(distance)]]
            run_start = position
    # Follow chains (a lonely cell joined to a lonely cell that joined another) to their end.
    for _ in range(cells.size):
        following = stratum[stratum]
        if (following == stratum).all():
            break
        stratum = following
    return np.unique(stratum, return_inverse=True)[1].reshape(-1)


@dataclass(frozen=True)
class ReportDesign:
    """Design rows (answer patterns or counter-days) and their cells; builds a design per period grouping."""

    kind: str
    cells: Cells
    row_cell: np.ndarray      # cell of every design row
    multiplicity: np.ndarray  # respondents per pattern row, 1 per counter-day
    answered: np.ndarray      # rows × items
    satisfied: np.ndarray
    responses: np.ndarray     # responses per PSU of the row
    items: tuple[str, ...]

    @property
    def unit(self) -> np.ndarray:
        return self.cells.unit[self.row_cell]

    @property
    def month(self) -> np.ndarray:
        return self.cells.month[self.row_cell]

    def psus_per_cell(self) -> np.ndarray:
        return np.bincount(self.row_cell, weights=self.multiplicity, minlength=self.cells.size)

    def estimator(self, labels: np.ndarray, group_of_month: Callable[[np.ndarray], np.ndarray],
                  outside: str = "") -> CellEstimator:
        """Estimates for the domains ``labels`` (one per row), strata collapsed inside each period group."""
        cells = self.cells
        stratum_of_cell = collapse(cells, self.psus_per_cell(), group_of_month(cells.month))
        n_strata = int(stratum_of_cell.max()) + 1 if cells.size else 0
        n = np.bincount(stratum_of_cell, weights=cells.n, minlength=n_strata)
        big_n = np.bincount(stratum_of_cell, weights=cells.volume, minlength=n_strata)
        no_fpc = np.bincount(stratum_of_cell, weights=(cells.overfull | (cells.source == UNWEIGHTED)).astype(float),
                             minlength=n_strata) > 0
        factor = np.where(no_fpc, 1.0, np.clip(1.0 - n / np.where(big_n > 0, big_n, 1.0), 0.0, 1.0))
        rows = PsuRows(stratum_of_cell[self.row_cell], cells.weight[self.row_cell], self.multiplicity,
                       self.answered, self.satisfied, self.responses, self.items, factor,
                       psu="respondent" if self.kind == "cell" else "group")
        return CellDesign(rows).by(labels, outside=outside)


def respondent_design(counts: PatternCounts, cells: Cells) -> ReportDesign:
    valid = counts.valid()
    answered, satisfied = pattern_indicators(valid.pattern, len(valid.items))
    return ReportDesign("cell", cells, cells.index(valid.unit, valid.month), valid.rows, answered, satisfied,
                        np.ones(valid.size), valid.items)


def counter_day_design(days: CounterDayCounts, cells: Cells) -> ReportDesign:
    return ReportDesign("counter-day", cells, cells.index(days.unit, days.month), np.ones(len(days.rows)),
                        days.answered, days.satisfied, days.rows, days.items)
