"""Post-stratification per (unit, month) and the survey design built on the cell counts.

Each unit-month's responses are post-stratified to the dossiers that unit handled that month, so their
weight is ``w = N_u,m / n_u,m``. The cluster totals are built from the counts with weight 1 and the
unit-month as calibration variable, then :meth:`stats.TotalsDesign.poststratify` applies the volumes: the
estimates are those of the weights ``N/n``, and the variance is R's ``postStratify`` variance (residuals
within post-strata), not that of weights taken as fixed. Without a volume for every unit-month of the
report the weights are all 1 (a mix would put weighted and unweighted units on different scales), and the
report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stats import ClusterTotals, Design, TotalsDesign
from survey.core.periods import month_label
from survey.reports.totals_query import CellCounts

# A province with a single counter in the data cannot estimate its own variance; R's
# options(survey.lonely.psu = "adjust") centres it on the grand mean instead of failing the report.
LONELY_PSU = "adjust"


@dataclass(frozen=True)
class Weighting:
    # Post-stratum (unit-month) of every group, and its dossier volume; volumes is None when unweighted.
    post_stratum: np.ndarray
    volumes: dict[int, float] | None
    unit_months: int
    missing_volumes: int

    @property
    def weighted(self) -> bool:
        return self.volumes is not None


def unit_month_cells(cells: CellCounts) -> tuple[np.ndarray, np.ndarray]:
    """Code of each group's (unit, month) cell, and the (unit, month) pair of every cell."""
    if cells.size == 0:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.int64)
    pairs, code = np.unique(np.column_stack([cells.unit, cells.month]), axis=0, return_inverse=True)
    return code.reshape(-1), pairs


def post_stratification(cells: CellCounts, volumes: dict[tuple[int, str], int]) -> Weighting:
    code, pairs = unit_month_cells(cells)
    known = np.array([volumes.get((int(unit), month_label(int(month))), 0) for unit, month in pairs], dtype=float)
    missing = int(np.sum(known <= 0))
    if len(pairs) == 0 or missing:
        return Weighting(code, None, len(pairs), missing)
    return Weighting(code, dict(enumerate(known.tolist())), len(pairs), 0)


def cluster_totals(cells: CellCounts, weighting: Weighting, domain: np.ndarray) -> ClusterTotals:
    """The sums of :mod:`stats.totals` for 0/1 satisfied indicators with weight 1: each sum is a count."""
    items = {
        item: {
            "weight": cells.answered[item],
            "weighted": cells.satisfied[item],
            "weight_sq": cells.answered[item],
            "weighted_sq": cells.satisfied[item],
            "count": cells.answered[item],
        }
        for item in cells.answered
    }
    return ClusterTotals.from_groups(cells.stratum, cells.counter, cells.rows, cells.rows, cells.rows, items,
                                     domain=domain, calibration={"unit_month": weighting.post_stratum})


def totals_design(cells: CellCounts, weighting: Weighting, domain: np.ndarray) -> TotalsDesign:
    """Strata = provinces, clusters = counters (nested), domains given per group, post-stratified to the
    dossier volumes when every unit-month has one."""
    design = Design.from_cluster_totals(cluster_totals(cells, weighting, domain), lonely_psu=LONELY_PSU)
    return design.poststratify("unit_month", weighting.volumes) if weighting.volumes is not None else design
