"""File writers: CSV (standard library), Parquet (pyarrow), SPSS ``.sav`` and Stata ``.dta`` (pyreadstat).

CSV and Parquet are written batch by batch, so memory does not grow with the number of rows. pyreadstat
writes a whole table at once, so SPSS and Stata files are first streamed to a temporary Parquet file and
then loaded once: they need memory in proportion to the rows (about 100 bytes a row); use CSV or Parquet
for very large exports.

SPSS and Stata each hold one set of value labels per variable: they carry the Vietnamese labels and the
Vietnamese question text as variable label (Stata: cut to its 80-character limit); the English labels
are in the codebook. Missing strings are written as empty strings there, as both formats expect.
"""

from __future__ import annotations

import csv
import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from survey.exports.dataset import INTEGER, REAL, Variable

FORMATS = {"csv": (), "parquet": ("pyarrow",), "sav": ("pyarrow", "pyreadstat"), "dta": ("pyarrow", "pyreadstat")}
PARQUET_ROW_GROUP = 65_536
STATA_LABEL_LIMIT = 80


class MissingExtra(ValueError):
    """The format needs an optional package that is not installed."""


class Writer(Protocol):
    def write(self, rows: Sequence[tuple]) -> None: ...

    def close(self) -> None: ...


def check_format(name: str) -> str:
    """The format, once every package it needs imports; a clear error otherwise."""
    if name not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {name!r}")
    for module in FORMATS[name]:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(
                f"the {name} format needs the Python package {module}, which is not installed: "
                "pip install '.[export]'"
            ) from None
    return name


class CsvWriter:
    def __init__(self, path: Path, variables: Sequence[Variable]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow([v.name for v in variables])

    def write(self, rows: Sequence[tuple]) -> None:
        # csv writes None as an empty field, which is how a missing value reads back.
        self._csv.writerows(rows)

    def close(self) -> None:
        self._file.close()


class ParquetWriter:
    def __init__(self, path: Path, variables: Sequence[Variable]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {INTEGER: pa.int16(), REAL: pa.float64()}
        self._schema = pa.schema([pa.field(v.name, types.get(v.kind, pa.string())) for v in variables])
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._pending: list[tuple] = []
        self._table = pa.Table

    def write(self, rows: Sequence[tuple]) -> None:
        self._pending.extend(rows)
        if len(self._pending) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            columns = list(zip(*self._pending))
            self._writer.write_table(self._table.from_arrays(list(columns), schema=self._schema))
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class LabelledWriter:
    """SPSS or Stata, through a temporary Parquet file (see the module notes)."""

    def __init__(self, path: Path, variables: Sequence[Variable], stata: bool) -> None:
        self._path = path
        self._variables = variables
        self._stata = stata
        self._spool = path.with_name(path.name + ".spool.parquet")
        self._parquet = ParquetWriter(self._spool, variables)

    def write(self, rows: Sequence[tuple]) -> None:
        self._parquet.write(rows)

    def close(self) -> None:
        import pyarrow.parquet as pq
        import pyreadstat

        self._parquet.close()
        frame = pq.read_table(self._spool).to_pandas()
        self._spool.unlink()
        limit = STATA_LABEL_LIMIT if self._stata else None
        labels = [v.label.get("vi")[:limit] for v in self._variables]
        value_labels = {v.name: {code: text.get("vi") for code, text in v.values.items()}
                        for v in self._variables if v.values}
        write = pyreadstat.write_dta if self._stata else pyreadstat.write_sav
        write(frame, str(self._path), column_labels=labels, variable_value_labels=value_labels)


def open_writer(name: str, path: Path, variables: Sequence[Variable]) -> Writer:
    if name == "csv":
        return CsvWriter(path, variables)
    if name == "parquet":
        return ParquetWriter(path, variables)
    return LabelledWriter(path, variables, stata=name == "dta")
