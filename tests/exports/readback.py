"""Reading exported files back with independent readers (csv module, pyarrow, pyreadstat)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

QUASI_IDENTIFIERS = ("unit", "period", "procedure_group", "channel")


def read_rows(path: Path) -> list[dict[str, object]]:
    """Rows as dicts; missing values as None whatever the format."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    import math

    import pyreadstat

    columns, _meta = (pyreadstat.read_sav if path.suffix == ".sav" else pyreadstat.read_dta)(
        str(path), output_format="dict")
    rows = [dict(zip(columns, values)) for values in zip(*(list(column) for column in columns.values()))]
    return [{k: (None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v)
             for k, v in row.items()} for row in rows]


def class_sizes(rows: list[dict[str, object]], names: tuple[str, ...]) -> Counter:
    present = [name for name in names if rows and name in rows[0]]
    return Counter(tuple(str(row[name]) if row[name] is not None else None for name in present) for row in rows)


def number(value: object) -> float:
    return float("nan") if value is None else float(value)
