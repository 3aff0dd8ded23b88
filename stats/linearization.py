"""With-replacement Taylor linearization variance, stratified with clusters nested in strata.

Follows R ``survey``'s ``svyrecvar``/``onestrat`` for a one-stage design: cluster totals of the influence
values are centred within their stratum and summed in squares, scaled by ``(1 − f_h)·n_h/(n_h − 1)``, where
``n_h`` counts the stratum's clusters in the whole design (a domain that misses some clusters still
counts them, as zeros) and ``f_h`` is the sampling fraction given by ``fpc``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

LONELY_PSU = ("fail", "adjust", "average", "certainty", "remove")


@dataclass(frozen=True)
class StrataSpec:
    """Per-stratum facts the variance needs."""

    labels: np.ndarray
    cluster_stratum: np.ndarray  # stratum code of every cluster
    n_psu: np.ndarray            # clusters per stratum in the whole design
    fpc_factor: np.ndarray       # 1 − n_h/N_h (1 without fpc)
    lonely_psu: str

    @classmethod
    def build(cls, labels: np.ndarray, cluster_stratum: np.ndarray, fpc_factor: np.ndarray | None,
              lonely_psu: str) -> "StrataSpec":
        if lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu must be one of {', '.join(LONELY_PSU)}, got {lonely_psu!r}")
        n_psu = np.bincount(cluster_stratum, minlength=len(labels))
        factor = np.ones(len(labels)) if fpc_factor is None else fpc_factor
        lonely = (n_psu == 1) & (factor >= 1e-7)
        if lonely_psu == "fail" and lonely.any():
            names = ", ".join(repr(v) for v in labels[lonely][:5].tolist())
            raise ValueError(f"stratum {names} has only one cluster (PSU); choose lonely_psu="
                             "'adjust', 'average' or 'certainty' to estimate a variance")
        return cls(labels, cluster_stratum, n_psu, factor, lonely_psu)

    def indicator(self) -> sparse.csr_matrix:
        """Strata × clusters 0/1 matrix."""
        n_clusters = len(self.cluster_stratum)
        return sparse.csr_matrix((np.ones(n_clusters), (self.cluster_stratum, np.arange(n_clusters))),
                                 shape=(len(self.labels), n_clusters))


@dataclass(frozen=True)
class LinearizationBasis:
    """Cluster totals of influence values (clusters × domains) and the strata each domain touches."""

    influence: sparse.csc_matrix
    present: sparse.csc_matrix  # strata × domains, 1 where the domain has rows of positive weight
    spec: StrataSpec

    def _weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per stratum: the factor on squared cluster totals, on the squared stratum total, and whether
        the stratum has a variance (for ``average``)."""
        spec = self.spec
        n_psu = spec.n_psu.astype(float)
        f = np.where(spec.fpc_factor < 1e-7, 0.0, spec.fpc_factor)
        several = n_psu > 1
        lonely_adjust = ~several & (spec.lonely_psu == "adjust")
        squares = np.where(several, f * n_psu / np.maximum(n_psu - 1, 1), np.where(lonely_adjust, f, 0.0))
        centring = np.where(several, squares / np.maximum(n_psu, 1), 0.0)
        # A stratum sampled whole (f = 0) has a variance, zero, even with one cluster: R's onestrat.
        return squares, centring, several | (f == 0)

    def variance(self) -> np.ndarray:
        spec = self.spec
        h = spec.indicator()
        s1 = h @ self.influence
        s2 = h @ self.influence.multiply(self.influence)
        squares, centring, has_variance = self._weights()
        variance = np.asarray(s2.T @ squares - s1.multiply(s1).T @ centring).reshape(-1)
        if spec.lonely_psu == "average":
            variance = variance * self._average_scale(has_variance)
        return np.maximum(variance, 0.0)

    def covariance(self) -> np.ndarray:
        """Covariance matrix between the columns (the diagonal is :meth:`variance` before clipping)."""
        spec = self.spec
        z = self.influence.toarray()
        squares, centring, has_variance = self._weights()
        s1 = spec.indicator() @ z
        covariance = z.T @ (squares[spec.cluster_stratum][:, None] * z) - s1.T @ (centring[:, None] * s1)
        if spec.lonely_psu == "average":
            root = np.sqrt(self._average_scale(has_variance))
            covariance = covariance * np.outer(root, root)
        return covariance

    def _average_scale(self, has_variance: np.ndarray) -> np.ndarray:
        # R: strata without a variance are dropped and the rest scaled by all/ok strata of the domain.
        touched = np.asarray(self.present.sum(axis=0)).reshape(-1)
        ok = np.asarray(self.present.T @ has_variance.astype(float)).reshape(-1)
        return np.divide(touched, ok, out=np.zeros_like(touched, dtype=float), where=ok > 0)

    @staticmethod
    def stacked(bases: "list[LinearizationBasis]") -> "LinearizationBasis":
        """One basis whose columns are those of ``bases`` (estimates on the same design), counting for
        ``average`` the strata any of them touches, as R does for several variables at once."""
        present = sparse.hstack([b.present for b in bases]).tocsc()
        union = (np.asarray(present.sum(axis=1)).reshape(-1) > 0).astype(float)
        columns = present.shape[1]
        return LinearizationBasis(sparse.hstack([b.influence for b in bases]).tocsc(),
                                  sparse.csc_matrix(np.repeat(union[:, None], columns, axis=1)), bases[0].spec)

    def combine(self, coefficients: np.ndarray) -> "LinearizationBasis":
        column = sparse.csc_matrix(self.influence @ coefficients.reshape(-1, 1))
        involved = (self.present @ (coefficients != 0).astype(float).reshape(-1, 1)) > 0
        return LinearizationBasis(column, sparse.csc_matrix(involved.astype(float)), self.spec)

    def select(self, columns: np.ndarray) -> "LinearizationBasis":
        return LinearizationBasis(self.influence[:, columns], self.present[:, columns], self.spec)
