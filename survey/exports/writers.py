"""File writers: CSV (standard library), Parquet (pyarrow), SPSS ``.sav`` and Stata ``.dta`` (our own
writers, through a Parquet spool).

Every format is written batch by batch, so memory does not grow with the number of rows.

SPSS and Stata each hold one set of value labels per variable: they carry the Vietnamese labels and the
Vietnamese question text as variable label (cut to each format's limit); the English labels are in the
codebook. Missing strings are written as empty strings there, as both formats expect.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from survey.exports.dataset import INTEGER, REAL, STRING, Run, Variable
from survey.exports.dta import DtaFile
from survey.exports.labelled import Column, LabelledFile
from survey.exports.sav import SavFile

FORMATS = {"csv": (), "parquet": ("pyarrow",), "sav": ("pyarrow",), "dta": ("pyarrow",)}
LINE_END = "\r\n"
MEMO_LIMIT = 50_000
SPOOL_BATCH_ROWS = 65_536


class MissingExtra(ValueError):
    """The format needs an optional package that is not installed."""


class Writer(Protocol):
    def write(self, runs: Sequence[Run]) -> None: ...

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


# A spreadsheet reads a field starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def inert(value: object) -> object:
    """A text that a spreadsheet would run as a formula, with a leading apostrophe (OWASP's advice: the
    apostrophe shows in the cell, the formula never runs); numbers such as "-1" are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """As Python's csv module writes a whole row (CRLF line ends, quotes only where needed, a missing value
    as an empty field), without a Python string per line.

    Each distinct value tuple of a run is formatted once, as UTF-8 in a fixed-width byte array padded with
    NUL bytes; a batch's lines are those arrays' rows side by side (one copy in numpy), and dropping the
    padding from the result gives the text. A NUL character in a value is dropped with it; no reader of
    CSV files expects one.
    """

    def __init__(self, path: Path, variables: Sequence[Variable], bom: bool = False) -> None:
        self._file = path.open("wb")
        if bom:  # Excel reads a CSV as the Windows code page unless it starts with UTF-8's byte-order mark
            self._file.write("\ufeff".encode())
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="")
        self._csv.writerow([v.name for v in variables])
        self._file.write((self._take() + LINE_END).encode())
        self._formatted: dict[tuple[str, ...], np.ndarray] = {}
        # Pseudonym pairs and answer combinations recur in every batch.
        self._memo: dict[tuple, str] = {}

    def _take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def _texts(self, run: Run, position: int, last: bool) -> np.ndarray:
        """The run's formatted values as a (distinct values, bytes) uint8 matrix."""
        # Keyed by the run's variables: item runs may split differently from batch to batch, moving positions.
        done = self._formatted.get(run.names) if run.shared else None
        if done is not None and len(done) == len(run.table):
            return done
        head, tail = ("," if position else ""), (LINE_END if last else "")
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        texts = []
        for values in run.table[0 if done is None else len(done):]:
            if (text := self._memo.get(values)) is None:
                self._csv.writerow([inert(value) for value in values])
                text = self._take()
                # Alone on a line, an empty field is written as "" (else the line would read as blank);
                # inside a whole row it is written as nothing.
                self._memo[values] = text = "" if values in ((None,), ("",)) else text
            texts.append((head + text + tail).encode())
        matrix = _padded(texts)
        if done is not None:
            width = max(done.shape[1], matrix.shape[1])
            matrix = np.vstack([np.pad(done, ((0, 0), (0, width - done.shape[1]))),
                                np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))])
        if run.shared:
            self._formatted[run.names] = matrix
        return matrix

    def write(self, runs: Sequence[Run]) -> None:
        pieces = [self._texts(run, position, position == len(runs) - 1)[run.index]
                  for position, run in enumerate(runs)]
        self._file.write(np.hstack(pieces).tobytes().replace(b"\0", b""))

    def close(self) -> None:
        self._file.close()


def _padded(texts: Sequence[bytes]) -> np.ndarray:
    """Byte strings as the rows of a uint8 matrix, padded with NUL bytes."""
    matrix = np.array(texts, dtype=bytes) if texts else np.zeros(0, dtype="S1")
    return matrix.view(np.uint8).reshape(len(texts), matrix.dtype.itemsize)


class ParquetWriter:
    """One row group per batch; a run's distinct values become an Arrow array once and are spread with
    ``take``."""

    def __init__(self, path: Path, variables: Sequence[Variable]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        types = {INTEGER: pa.int16(), REAL: pa.float64()}
        self._types = {v.name: types.get(v.kind, pa.string()) for v in variables}
        self._schema = pa.schema([pa.field(v.name, self._types[v.name]) for v in variables])
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._arrays: dict[str, object] = {}

    def _values(self, run: Run, name: str, column: int) -> object:
        done = self._arrays.get(name) if run.shared else None
        if done is not None and len(done) == len(run.table):
            return done
        start = 0 if done is None else len(done)
        array = self._pa.array([row[column] for row in run.table[start:]], type=self._types[name])
        if done is not None:
            array = self._pa.concat_arrays([done, array])
        if run.shared:
            self._arrays[name] = array
        return array

    def write(self, runs: Sequence[Run]) -> None:
        columns = []
        for run in runs:
            index = self._pa.array(run.index)
            columns += [self._values(run, name, column).take(index) for column, name in enumerate(run.names)]
        self._writer.write_table(self._pa.Table.from_arrays(columns, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


class LabelledWriter:
    """SPSS or Stata: rows to a Parquet spool while the export runs, the file itself when it is closed (see
    :mod:`survey.exports.labelled`)."""

    def __init__(self, path: Path, variables: Sequence[Variable], file_class: type[LabelledFile]) -> None:
        file_class.check_names([v.name for v in variables])
        self._path = path
        self._variables = variables
        self._file_class = file_class
        self._spool_path = path.with_name(path.name + ".spool.parquet")
        self._spool = ParquetWriter(self._spool_path, variables)

    def write(self, runs: Sequence[Run]) -> None:
        self._spool.write(runs)

    def close(self) -> None:
        import pyarrow.parquet as pq

        self._spool.close()
        # The spool's writer keeps an Arrow array of every shared table (as many entries as cells): free them.
        del self._spool
        try:
            spool = pq.ParquetFile(self._spool_path)
            labelled = self._file_class(self._path, self._columns(spool), spool.metadata.num_rows)
            try:
                for batch in _batches(spool):
                    labelled.write(batch)
            finally:
                labelled.close()
        finally:
            self._spool_path.unlink()

    def _columns(self, spool: object) -> list[Column]:
        import pyarrow.compute as pc

        widths = dict.fromkeys((v.name for v in self._variables if v.kind == STRING), 0)
        for batch in _batches(spool, list(widths)) if widths else ():
            for name in widths:
                longest = pc.max(pc.binary_length(batch.column(name))).as_py()
                widths[name] = max(widths[name], longest or 0)
        return [Column(v.name, v.kind, v.label.get("vi"), {code: text.get("vi") for code, text in v.values.items()},
                       widths.get(v.name, 0))
                for v in self._variables]


def _batches(spool: object, columns: list[str] | None = None) -> Iterator[object]:
    return spool.iter_batches(batch_size=SPOOL_BATCH_ROWS, columns=columns)


def open_writer(name: str, path: Path, variables: Sequence[Variable], excel: bool = False) -> Writer:
    if name == "csv":
        return CsvWriter(path, variables, bom=excel)
    if name == "parquet":
        return ParquetWriter(path, variables)
    return LabelledWriter(path, variables, DtaFile if name == "dta" else SavFile)
