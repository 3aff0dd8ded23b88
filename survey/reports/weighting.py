"""Post-stratification weights per (unit, month) and the survey design built on the cell counts.

Each unit-month's responses are weighted up to the dossiers that unit handled that month,
``w = N_u,m / n_u,m``. The weight is constant within a cell, so every weighted sum of the design is
the weight times a count, and :class:`stats.ClusterTotals` is filled without any response row.
Without a volume for every unit-month of the report the weights are all 1 (a mix would put weighted
and unweighted units on different scales), and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stats import ClusterTotals, Design, TotalsDesign
from survey.reports.periods import month_label
from survey.reports.totals_query import CellCounts

# A province with a single counter in the data cannot estimate its own variance; R's
# options(survey.lonely.psu = "adjust") centres it on the grand mean instead of failing the report.
LONELY_PSU = "adjust"


@dataclass(frozen=True)
class Weighting:
    per_group: np.ndarray
    weighted: bool
    unit_months: int
    missing_volumes: int


def unit_month_cells(cells: CellCounts) -> tuple[np.ndarray, np.ndarray]:
    """Code of each group's (unit, month) cell, and the (unit, month) pair of every cell."""
    if cells.size == 0:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.int64)
    pairs, code = np.unique(np.column_stack([cells.unit, cells.month]), axis=0, return_inverse=True)
    return code.reshape(-1), pairs


def post_stratification(cells: CellCounts, volumes: dict[tuple[int, str], int]) -> Weighting:
    code, pairs = unit_month_cells(cells)
    sampled = np.bincount(code, weights=cells.rows, minlength=len(pairs))
    known = np.array([volumes.get((int(unit), month_label(int(month))), 0) for unit, month in pairs], dtype=float)
    missing = int(np.sum(known <= 0))
    if len(pairs) == 0 or missing:
        return Weighting(np.ones(cells.size), False, len(pairs), missing)
    return Weighting((known / sampled)[code], True, len(pairs), 0)


def cluster_totals(cells: CellCounts, weights: np.ndarray, domain: np.ndarray) -> ClusterTotals:
    """The sums of :mod:`stats.totals` for 0/1 satisfied indicators: weight times each count."""
    items = {
        item: {
            "weight": weights * cells.answered[item],
            "weighted": weights * cells.satisfied[item],
            "weight_sq": weights * weights * cells.answered[item],
            "weighted_sq": weights * cells.satisfied[item],
            "count": cells.answered[item],
        }
        for item in cells.answered
    }
    return ClusterTotals.from_groups(cells.stratum, cells.counter, cells.rows, weights * cells.rows,
                                     weights * weights * cells.rows, items, domain=domain)


def totals_design(cells: CellCounts, weights: np.ndarray, domain: np.ndarray) -> TotalsDesign:
    """Strata = provinces, clusters = counters (nested), domains given per group."""
    return Design.from_cluster_totals(cluster_totals(cells, weights, domain), lonely_psu=LONELY_PSU)
