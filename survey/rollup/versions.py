"""The data version of a set of cells: what a cached figure computed from them is keyed on.

Every change of the rollup raises the counter of each (stratum, month) it touches, in the same transaction
(``survey.rollup.statements``), so a figure computed from cells whose counters have not moved is still
exact. Anything cached from the rollup (reports, public pages) keys on :func:`data_version`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from survey.db.tables import CellVersion


async def data_version(strata: Sequence[int], months: Sequence[str]) -> str:
    """A short text that changes whenever a response counted in any of ``strata`` × ``months`` is added,
    changes status or is removed (and on every rebuild)."""
    if not strata or not months:
        return "empty"
    rows = await CellVersion.select(CellVersion.stratum, CellVersion.period, CellVersion.version).where(
        CellVersion.stratum.is_in([int(s) for s in strata]) & CellVersion.period.is_in(list(months)))
    return _digest(rows)


async def scope_data_version(scope_path: str, ancestor_ids: Sequence[int], months: Sequence[str]) -> str:
    """:func:`data_version` of every stratum a scope can read (the units under ``scope_path`` and its
    ancestors), found without listing them: a province answering for the first time moves it too."""
    if not months:
        return "empty"
    month_marks = ", ".join("{}" for _ in months)
    ancestor_marks = ", ".join("{}" for _ in ancestor_ids) or "NULL"
    rows = await CellVersion.raw(
        f"SELECT v.stratum, v.period, v.version FROM cell_version v WHERE v.period IN ({month_marks}) AND v.stratum IN "
        f"(SELECT u.id FROM unit u WHERE u.path LIKE {{}} OR u.id IN ({ancestor_marks}))",
        *months, scope_path + "%", *ancestor_ids)
    return _digest(rows)


def _digest(rows: Sequence[dict]) -> str:
    text = ";".join(f"{r['stratum']}:{r['period']}:{r['version']}"
                    for r in sorted(rows, key=lambda r: (r["stratum"], r["period"])))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
