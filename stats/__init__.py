"""Design-based estimation for satisfaction surveys, in agreement with R's ``survey`` package.

Start with :class:`Design` (rows) or :meth:`Design.from_cluster_totals` (sums from a database).
"""

from stats.design import Design, Domains, TotalsDesign
from stats.estimate import DomainTable, Estimate
from stats.estimators import Estimator
from stats.totals import ClusterTotals, ItemSums

__all__ = ["ClusterTotals", "Design", "DomainTable", "Domains", "Estimate", "Estimator", "ItemSums", "TotalsDesign"]
