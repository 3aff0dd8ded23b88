"""The rating columns a response stores: one per index element (``e1``..``e5``) and the overall rating.

The writer fills them from the answers, reports and exports read them; an instrument with more index
elements than columns cannot be stored.
"""

from __future__ import annotations

ELEMENT_COLUMNS = ("e1", "e2", "e3", "e4", "e5")
OVERALL_COLUMN = "overall"
RATING_COLUMNS = (*ELEMENT_COLUMNS, OVERALL_COLUMN)
FINGERPRINT_COLUMN = "index_fingerprint"  # the index definition a response was scored with
SCORE_COLUMNS = (*RATING_COLUMNS, FINGERPRINT_COLUMN)
