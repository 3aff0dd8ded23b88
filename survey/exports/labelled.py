"""SPSS and Stata files written batch by batch, through a spool.

Both formats put the number of rows and the width of every string variable in the file's dictionary, before
the data. So rows are first streamed to a temporary Parquet file (the spool); closing it gives the number of
rows, one pass over it the longest value of each string, and a second pass writes the file one batch at a
time, each batch turned into bytes with numpy. Memory is that of one batch, however many rows there are.

The writers of the two formats (:mod:`survey.exports.sav`, :mod:`survey.exports.dta`) take
:class:`Column` descriptions and Arrow record batches; they know nothing of instruments or responses. The
spool is :class:`survey.exports.writers.LabelledWriter`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Column:
    """One variable of a labelled file: ``width`` is the longest value in UTF-8 bytes (strings only)."""

    name: str
    kind: str
    label: str
    values: Mapping[int, str] = field(default_factory=dict)
    width: int = 0


class LabelledFile(Protocol):
    @staticmethod
    def check_names(names: Sequence[str]) -> None: ...

    def __init__(self, path: Path, columns: Sequence[Column], rows: int) -> None: ...

    def write(self, batch: object) -> None: ...

    def close(self) -> None: ...


def cut(text: str, limit: int) -> bytes:
    """``text`` as UTF-8 of at most ``limit`` bytes, never ending inside a character."""
    return text.encode()[:limit].decode("utf-8", "ignore").encode()


def strings(array: object, width: int, pad: int) -> np.ndarray:
    """A string column as a (rows, width) uint8 matrix, each value padded with the byte ``pad``; a missing
    value is all padding (both formats write a missing string as an empty one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.fill_null(array.cast(pa.binary()), b"").to_numpy(zero_copy_only=False)
    fixed = values.astype(f"S{max(width, 1)}")
    matrix = fixed.view(np.uint8).reshape(len(values), fixed.dtype.itemsize)[:, :width]
    if pad:
        # numpy pads with NUL; a NUL inside a value is lost with it, as no reader of these formats keeps one.
        matrix = np.where(matrix == 0, np.uint8(pad), matrix)
    return matrix


def numbers(array: object, missing: float | int, dtype: str) -> np.ndarray:
    """A numeric column with ``missing`` in place of nulls, as ``dtype``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    typed = array.cast(pa.from_numpy_dtype(np.dtype(dtype).newbyteorder("=")))
    return pc.fill_null(typed, missing).to_numpy(zero_copy_only=False).astype(dtype)


def as_bytes(values: np.ndarray) -> np.ndarray:
    """A one-dimensional numeric array as a (rows, itemsize) uint8 matrix of its little-endian bytes."""
    values = np.ascontiguousarray(values)
    return values.view(np.uint8).reshape(len(values), values.dtype.itemsize)
