"""Stata datasets (``.dta`` format 118, Stata 14 and later, UTF-8), written one batch of rows at a time.

The file is a sequence of tagged sections: header, map (the byte offset of every section), variable types,
names, sort list, display formats, value-label names, variable labels, characteristics, the data (one
fixed-width record per observation), long strings (strL), value labels. Strings up to 2,045 bytes are
stored in the record; longer ones (kept free text) as strL, whose record slot points to a GSO entry in the
strL section. The map is rewritten once the sections after the data have their offsets.
"""

from __future__ import annotations

import re
import shutil
import struct
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from survey.exports.dataset import INTEGER, STRING
from survey.exports.labelled import Column, as_bytes, cut, numbers, strings

STRL, DOUBLE, INT = 32768, 65526, 65529
STR_LIMIT = 2045
MISSING_INT = 32741
MISSING_DOUBLE = 2.0**1023
NAME_BYTES, FORMAT_BYTES, LABEL_BYTES = 129, 57, 321
LABEL_CHARACTERS = 80
VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
GSO_TEXT = 130


def _type(column: Column) -> int:
    if column.kind == STRING:
        return max(column.width, 1) if column.width <= STR_LIMIT else STRL
    return INT if column.kind == INTEGER else DOUBLE


def _format(column: Column) -> str:
    kind = _type(column)
    if kind == STRL:
        return "%9s"
    if column.kind == STRING:
        return f"%-{kind}s"
    return "%8.0g" if kind == INT else "%10.0g"


def _padded(data: bytes, size: int) -> bytes:
    return data[:size - 1].ljust(size, b"\0")


class DtaFile:
    @staticmethod
    def check_names(names: Sequence[str]) -> None:
        """Refuse names Stata cannot hold (at most 32 characters), before any row is read or written."""
        for name in names:
            if not VALID_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid Stata variable name (letters, digits, _; at most 32)")
        if len(names) > 32767:
            raise ValueError("a Stata dataset holds at most 32,767 variables")

    def __init__(self, path: Path, columns: Sequence[Column], rows: int) -> None:
        self.check_names([c.name for c in columns])
        self._columns = columns
        self._types = [_type(c) for c in columns]
        self._file = path.open("wb")  # noqa: SIM115  (the writer owns it; close() closes it)
        self._offsets: dict[str, int] = {}
        self._observation = 0
        # strL values go to a side file while the data is written, and after the data at the end.
        self._strls = tempfile.TemporaryFile(dir=path.parent)  # noqa: SIM115  (closed in close())
        self._write_head(rows)

    def _mark(self, section: str) -> None:
        self._offsets[section] = self._file.tell()

    def _write_head(self, rows: int) -> None:
        write = self._file.write
        self._mark("stata_dta")
        timestamp = time.strftime("%d %b %Y %H:%M").encode()
        write(b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>"
              + b"<K>" + struct.pack("<H", len(self._columns)) + b"</K><N>" + struct.pack("<Q", rows) + b"</N>"
              + b"<label>" + struct.pack("<H", 0) + b"</label>"
              + b"<timestamp>" + struct.pack("<B", len(timestamp)) + timestamp + b"</timestamp></header>")
        self._mark("map")
        write(b"<map>" + bytes(14 * 8) + b"</map>")
        sections = {
            "variable_types": b"".join(struct.pack("<H", t) for t in self._types),
            "varnames": b"".join(_padded(c.name.encode(), NAME_BYTES) for c in self._columns),
            "sortlist": bytes(2 * (len(self._columns) + 1)),
            "formats": b"".join(_padded(_format(c).encode(), FORMAT_BYTES) for c in self._columns),
            "value_label_names": b"".join(_padded(c.name.encode() if c.values else b"", NAME_BYTES)
                                          for c in self._columns),
            "variable_labels": b"".join(_padded(cut(c.label[:LABEL_CHARACTERS], LABEL_BYTES - 1), LABEL_BYTES)
                                        for c in self._columns),
            "characteristics": b"",
        }
        for name, body in sections.items():
            self._mark(name)
            write(f"<{name}>".encode() + body + f"</{name}>".encode())
        self._mark("data")
        write(b"<data>")

    def _strl(self, array: object, number: int) -> np.ndarray:
        """Record slots of a strL column: (variable, observation) of each value's GSO, (0, 0) for empty."""
        values = array.to_pylist()
        slots = np.zeros(len(values), dtype="<u8")
        for row, value in enumerate(values):
            if value:
                observation = self._observation + row + 1
                data = value.encode() + b"\0"
                self._strls.write(b"GSO" + struct.pack("<IQBI", number, observation, GSO_TEXT, len(data)) + data)
                slots[row] = number | (observation << 16)
        return as_bytes(slots)

    def _values(self, array: object, column: Column, kind: int, number: int) -> np.ndarray:
        if kind == STRL:
            return self._strl(array, number)
        if column.kind == STRING:
            return strings(array, kind, 0)
        if kind == INT:
            return as_bytes(numbers(array, MISSING_INT, "<i2"))
        return as_bytes(numbers(array, MISSING_DOUBLE, "<f8"))

    def write(self, batch: object) -> None:
        records = np.hstack([self._values(batch.column(c.name), c, kind, number)
                             for number, (c, kind) in enumerate(zip(self._columns, self._types), start=1)])
        self._file.write(records.tobytes())
        self._observation += batch.num_rows

    def close(self) -> None:
        write = self._file.write
        try:
            write(b"</data>")
            self._mark("strls")
            write(b"<strls>")
            self._strls.seek(0)
            shutil.copyfileobj(self._strls, self._file)
            write(b"</strls>")
            self._mark("value_labels")
            write(b"<value_labels>" + b"".join(_value_labels(c) for c in self._columns if c.values) + b"</value_labels>")
            self._mark("end")
            write(b"</stata_dta>")
            self._mark("eof")
            order = ("stata_dta", "map", "variable_types", "varnames", "sortlist", "formats", "value_label_names",
                     "variable_labels", "characteristics", "data", "strls", "value_labels", "end", "eof")
            self._file.seek(self._offsets["map"] + len(b"<map>"))
            write(b"".join(struct.pack("<Q", self._offsets[name]) for name in order))
        finally:
            self._strls.close()
            self._file.close()


def _value_labels(column: Column) -> bytes:
    codes = sorted(column.values)
    texts = [column.values[code].encode() + b"\0" for code in codes]
    offsets = np.cumsum([0, *map(len, texts[:-1])]).astype("<i4")
    table = (struct.pack("<2i", len(codes), sum(map(len, texts))) + offsets.tobytes()
             + np.array(codes, dtype="<i4").tobytes() + b"".join(texts))
    return (b"<lbl>" + struct.pack("<i", len(table)) + _padded(column.name.encode(), NAME_BYTES) + bytes(3)
            + table + b"</lbl>")
