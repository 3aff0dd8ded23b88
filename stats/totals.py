"""Cluster-level totals: everything the estimators need, as a SQL ``GROUP BY`` can return it.

A report does not need the rows. For every group ``(stratum, cluster, domain[, calibration cells])`` it
needs these sums (``w`` the design weight, ``y`` an item, *answered* meaning ``y`` is not NULL):

=================  ==========================================  ======================================
field              SQL                                         used for
=================  ==========================================  ======================================
``rows``           ``COUNT(*) FILTER (WHERE w > 0)``            degrees of freedom, Korn-Graubard n
``weight``         ``SUM(w)``                                  calibration, composite Kish n
``weight_sq``      ``SUM(w*w)``                                composite Kish n
per item ``y``:
``weight``         ``SUM(w) FILTER (WHERE y IS NOT NULL)``      denominators of means and proportions
``weighted``       ``SUM(w*y)``                                numerators
``weight_sq``      ``SUM(w*w) FILTER (WHERE y IS NOT NULL)``    Kish n for proportions at 0 or 1
``weighted_sq``    ``SUM(w*y*y)``                              ``n_eff`` and ``deff`` of means (a 0/1
                                                               item may omit it: it equals
                                                               ``weighted``)
``count``          ``COUNT(y) FILTER (WHERE w > 0)``            ``deff``
``plain``          ``SUM(y) FILTER (WHERE w > 0)``              variance after raking only
=================  ==========================================  ======================================

For a proportion the item is the 0/1 indicator (e.g. ``CASE WHEN score >= 4 THEN 1 WHEN score IS NOT NULL
THEN 0 END``). The ``GROUP BY`` must cover the whole design (no ``WHERE`` on the domain): the number of
clusters per stratum, which the variance needs, is read from the totals.

Example (PostgreSQL; ``COALESCE`` the sums to 0 where a group has no answer)::

    SELECT province AS stratum, counter_id AS cluster, commune_id AS domain, unit_id AS unit,
           COUNT(*) FILTER (WHERE w > 0)               AS rows,
           SUM(w)                                      AS weight,
           SUM(w * w)                                  AS weight_sq,
           SUM(w)     FILTER (WHERE e1 IS NOT NULL)    AS e1_weight,
           SUM(w * e1)                                 AS e1_weighted,
           SUM(w * w) FILTER (WHERE e1 IS NOT NULL)    AS e1_weight_sq,
           COUNT(e1)  FILTER (WHERE w > 0)             AS e1_count
    FROM weighted_responses
    GROUP BY province, counter_id, commune_id, unit_id

and then::

    totals = ClusterTotals.from_groups(stratum=..., cluster=..., domain=..., rows=..., weight=...,
                                       weight_sq=..., items={"e1": {"weight": ..., "weighted": ...,
                                       "weight_sq": ..., "count": ...}}, calibration={"unit": ...})
    design = Design.from_cluster_totals(totals).poststratify("unit", dossier_volumes)
    table = design.by().proportion("e1")        # one row per commune, as from the rows

Calibration from totals: put every calibration variable (e.g. the unit whose dossier volume the
responses are post-stratified to, or each raking margin) into the ``GROUP BY`` and pass them as
``calibration=``. Post-stratification and raking then run on the totals with R's variance, exactly as on
rows. Raking needs ``plain`` and ``count``. Trimming needs the rows and is not available from totals.
Weights ``N_u/n_u`` computed in SQL give the same estimates, but a variance that ignores the
post-stratification; grouping by the unit and calling ``poststratify`` gives R's ``postStratify`` variance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from stats.labels import combine_codes, decode, factorize
from stats.validation import check_lengths, check_nonnegative

ITEM_FIELDS = ("weight", "weighted", "weight_sq", "weighted_sq", "count", "plain")


@dataclass(frozen=True)
class ItemSums:
    """Per-group sums of one item (see the module docstring for the SQL of each)."""

    weight: np.ndarray
    weighted: np.ndarray
    weight_sq: np.ndarray
    count: np.ndarray
    weighted_sq: np.ndarray | None = None
    plain: np.ndarray | None = None

    def scaled(self, factor: np.ndarray) -> "ItemSums":
        """Sums after multiplying every weight of a group by ``factor``."""
        return ItemSums(self.weight * factor, self.weighted * factor, self.weight_sq * factor * factor, self.count,
                        None if self.weighted_sq is None else self.weighted_sq * factor, self.plain)


@dataclass(frozen=True)
class ClusterTotals:
    """Sums per group ``(stratum, cluster, domain, cell)``; codes index the label arrays.

    ``cluster`` codes are unique across strata (clusters are nested within strata). ``cell`` codes index
    the rows of ``cell_keys``, which give the label of each calibration variable for every cell.
    """

    stratum: np.ndarray
    cluster: np.ndarray
    domain: np.ndarray
    cell: np.ndarray
    rows: np.ndarray
    weight: np.ndarray
    weight_sq: np.ndarray
    items: dict[str, ItemSums]
    stratum_labels: np.ndarray
    domain_labels: np.ndarray
    n_clusters: int
    cell_keys: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_domains(self) -> int:
        return len(self.domain_labels)

    @property
    def n_cells(self) -> int:
        return int(self.cell.max()) + 1 if self.cell.size else 1

    def item(self, name: str) -> ItemSums:
        try:
            return self.items[name]
        except KeyError:
            raise ValueError(f"item {name!r} is not in these totals (have: {', '.join(self.items)})") from None

    def scaled(self, factor_per_cell: np.ndarray) -> "ClusterTotals":
        """Totals after calibration factors per cell (weights are multiplied within each cell)."""
        g = factor_per_cell[self.cell]
        return replace(self, weight=self.weight * g, weight_sq=self.weight_sq * g * g,
                       items={k: v.scaled(g) for k, v in self.items.items()})

    def collapsed_domains(self) -> "ClusterTotals":
        """The same totals with every group in one domain (the full population)."""
        return replace(self, domain=np.zeros_like(self.domain), domain_labels=np.array([None], dtype=object))

    @classmethod
    def from_groups(cls, stratum, cluster, rows, weight, weight_sq, items: Mapping[str, Mapping[str, np.ndarray]],
                    domain=None, calibration: Mapping[str, np.ndarray] | None = None) -> "ClusterTotals":
        """Build from the columns of a ``GROUP BY`` result: label arrays per group plus the sums.

        ``items`` maps each item name to a mapping of :data:`ITEM_FIELDS` to arrays.
        """
        stratum = np.asarray(stratum)
        n = len(stratum)
        columns = {"cluster": cluster, "rows": rows, "weight": weight, "weight_sq": weight_sq}
        if domain is not None:
            columns["domain"] = domain
        for name, sums in (calibration or {}).items():
            columns[f"calibration {name!r}"] = sums
        for name, sums in items.items():
            missing = {"weight", "weighted", "weight_sq", "count"} - set(sums)
            if missing:
                raise ValueError(f"item {name!r} lacks the sums {', '.join(sorted(missing))}")
            unknown = set(sums) - set(ITEM_FIELDS)
            if unknown:
                raise ValueError(f"item {name!r} has unknown sums {', '.join(sorted(unknown))}")
            columns.update({f"{name}.{k}": v for k, v in sums.items()})
        check_lengths(n, columns, what="group")
        weight = check_nonnegative(np.asarray(weight, float), "weight")
        stratum_codes, stratum_labels = factorize(stratum)
        cluster_codes, _ = combine_codes((stratum_codes, len(stratum_labels)), (factorize(np.asarray(cluster))[0], n))
        domain_codes, domain_labels = (np.zeros(n, np.int64), np.array([None], dtype=object)) if domain is None \
            else factorize(np.asarray(domain))
        cell, cell_keys = cells_of(calibration or {}, n)
        item_sums = {name: ItemSums(**{k: np.asarray(v, float) for k, v in sums.items()}) for name, sums in items.items()}
        return cls(stratum_codes, cluster_codes, domain_codes, cell, np.asarray(rows, float), weight,
                   np.asarray(weight_sq, float), item_sums, stratum_labels, domain_labels,
                   int(cluster_codes.max()) + 1 if n else 0, cell_keys)


def cells_of(variables: Mapping[str, np.ndarray], n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Cell code per row (or group) for the cross-classification of calibration variables."""
    if not variables:
        return np.zeros(n, np.int64), {}
    parts = [factorize(np.asarray(v)) for v in variables.values()]
    cell, keys = combine_codes(*((codes, len(uniques)) for codes, uniques in parts))
    sizes = [len(uniques) for _, uniques in parts]
    decoded = decode(keys, sizes)
    return cell, {name: uniques[d] for name, (_, uniques), d in zip(variables, parts, decoded)}
