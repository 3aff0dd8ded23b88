"""Delete-one-cluster jackknife, as R's ``as.svrepdesign(type="JK1"|"JKn")``.

Replicate ``r`` deletes cluster ``c`` of stratum ``h`` and multiplies the other clusters of ``h`` by
``n_h/(n_h − 1)``; its scale is ``(1 − f_h)(n_h − 1)/n_h``. The variance is
``Σ_r scale_r (θ_r − θ̄)²`` with ``θ̄`` the mean of the replicates (R's default ``mse=FALSE``).
A stratum sampled whole (``N_h = n_h``) has no replicates (R's default ``survey.drop.replicates``).
Lonely clusters follow R's ``jknweights``: ``certainty``/``remove`` drop the stratum's replicate,
``average`` also scales the variance by clusters/replicates (replicates dropped for strata sampled
whole count as missing too, as in R), ``adjust`` makes a replicate that deletes
the stratum and scales every other stratum by ``H/(H − 1)``.

Replicate estimates are computed from cluster-by-domain totals, so the same code runs from rows and
from :class:`stats.totals.ClusterTotals`. Calibrated designs are not replicated (their replicates would
need re-calibration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from stats.linearization import StrataSpec

# Replicates × domains held densely; beyond this the linearization path is the one to use.
MAX_CELLS = 50_000_000


@dataclass(frozen=True)
class ReplicatePlan:
    """Replicate ``r`` deletes cluster ``deleted[r]`` (−1: the whole stratum) of stratum ``stratum[r]``:
    ``T_r = keep[r]·(T − S_h) + boost[r]·(S_h − A_c)``."""

    stratum: np.ndarray
    deleted: np.ndarray
    keep: np.ndarray
    boost: np.ndarray
    rscales: np.ndarray
    scale: float

    @classmethod
    def build(cls, spec: StrataSpec, kind: str) -> "ReplicatePlan":
        n_strata = len(spec.labels)
        if kind == "jk1" and n_strata > 1:
            raise ValueError("JK1 is for an unstratified design; use 'jkn' for a stratified one")
        if kind not in ("jk1", "jkn"):
            raise ValueError(f"unknown replicate type {kind!r}; choose 'jk1' or 'jkn'")
        clusters = np.arange(len(spec.cluster_stratum))
        h = spec.cluster_stratum
        n_h = spec.n_psu[h].astype(float)
        f_h = spec.fpc_factor[h]
        # A stratum sampled whole (f = 0) has no replicates, as R's jk1weights with survey.drop.replicates.
        regular = (n_h > 1) & (f_h != 0)
        stratum, deleted = h[regular], clusters[regular]
        keep = np.ones(regular.sum())
        boost = n_h[regular] / (n_h[regular] - 1)
        rscales = f_h[regular] * (n_h[regular] - 1) / n_h[regular]
        lonely = ~regular & (f_h != 0)
        scale = 1.0
        if lonely.any() and spec.lonely_psu == "adjust":
            extra = clusters[lonely]
            stratum = np.concatenate([stratum, h[extra]])
            deleted = np.concatenate([deleted, np.full(len(extra), -1)])
            keep = np.concatenate([keep, np.full(len(extra), n_strata / (n_strata - 1))])
            boost = np.concatenate([boost, np.zeros(len(extra))])
            rscales = np.concatenate([rscales, np.full(len(extra), (n_strata - 1) / n_strata)])
        if len(stratum) == 0:
            raise ValueError("every stratum was sampled exhaustively or has one cluster: no jackknife replicates")
        if spec.lonely_psu == "average" and len(stratum) < len(clusters):
            scale = len(clusters) / len(stratum)
        return cls(stratum, deleted, keep, boost, rscales, scale)

    def totals(self, per_cluster: sparse.csr_matrix, spec: StrataSpec) -> np.ndarray:
        """Replicate totals (replicates × domains) from cluster × domain totals."""
        n_rep, n_dom = len(self.stratum), per_cluster.shape[1]
        if n_rep * n_dom > MAX_CELLS:
            raise ValueError(f"jackknife over {n_rep} replicates × {n_dom} domains is too large; "
                             "use variance='linearization'")
        full = np.asarray(per_cluster.sum(axis=0)).reshape(-1)
        by_stratum = np.asarray((spec.indicator() @ per_cluster).todense())[self.stratum]
        own = np.zeros((n_rep, n_dom))
        real = self.deleted >= 0
        own[real] = per_cluster[self.deleted[real]].toarray()
        return self.keep[:, None] * (full - by_stratum) + self.boost[:, None] * (by_stratum - own)


@dataclass(frozen=True)
class ReplicateBasis:
    """Replicate estimates (replicates × domains) with their scales."""

    thetas: np.ndarray
    rscales: np.ndarray
    scale: float

    def variance(self) -> np.ndarray:
        # As R's svrVar: replicates without a value (a domain inside the deleted cluster) are dropped.
        finite = np.isfinite(self.thetas)
        used = finite & (self.rscales[:, None] > 0)
        centre = np.where(used, self.thetas, 0.0).sum(axis=0) / np.maximum(used.sum(axis=0), 1)
        deviations = np.where(finite, self.thetas - centre, 0.0)
        return self.scale * (self.rscales[:, None] * np.square(deviations)).sum(axis=0)

    def combine(self, coefficients: np.ndarray) -> "ReplicateBasis":
        # Only the domains involved: a missing replicate elsewhere must not spoil the combination.
        involved = coefficients != 0
        return ReplicateBasis(self.thetas[:, involved] @ coefficients[involved].reshape(-1, 1), self.rscales, self.scale)

    def select(self, columns: np.ndarray) -> "ReplicateBasis":
        return ReplicateBasis(self.thetas[:, columns], self.rscales, self.scale)
