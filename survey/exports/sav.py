"""SPSS system files (``.sav``), UTF-8, bytecode-compressed, written one batch of rows at a time.

The layout follows the system-file format as SPSS, PSPP and ReadStat read it: a header, one variable
record per 8-byte slot of a case (strings wider than 8 bytes take continuation slots; strings wider than
255 bytes are split into segments of 252 declared bytes, each holding 255 bytes of the value), value
labels, the extension records (machine info, display, long names, very long strings, encoding, case
count), then the cases.

Compression works on the 8-byte slots of the cases, eight at a time: a command byte per slot says
"whole number n" (n + 100, for -99..151), "system-missing", "all spaces" or "8 literal bytes follow". Survey
answers are small whole numbers, so most slots cost one byte instead of eight.
"""

from __future__ import annotations

import struct
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from survey.exports.dataset import INTEGER, STRING
from survey.exports.labelled import Column, as_bytes, cut, numbers, strings

SYSMIS = -sys.float_info.max
BIAS = 100
SHORT_STRING = 255
SEGMENT = 252  # declared bytes per segment of a very long string
LABEL_LIMIT = 255
VALUE_LABEL_LIMIT = 120
LONG_NAME_LIMIT = 64
SPACE = 0x20
LITERAL, SPACES, MISSING = 253, 254, 255
NOMINAL, ORDINAL, SCALE = 1, 2, 3


def _round8(n: int) -> int:
    return (n + 7) // 8 * 8


class _Variable:
    """Where a column lies in a case: its segments' declared widths and byte sizes."""

    def __init__(self, column: Column, number: int, offset: int) -> None:
        self.column = column
        self.short_name = f"V{number}"
        self.offset = offset
        if column.kind != STRING:
            self.widths, self.sizes = [0], [8]
        elif column.width <= SHORT_STRING:
            self.widths = [max(column.width, 1)]
            self.sizes = [_round8(self.widths[0])]
        else:
            count = -(-column.width // SEGMENT)
            self.widths = [SHORT_STRING] * (count - 1) + [column.width - (count - 1) * SEGMENT]
            self.sizes = [256] * (count - 1) + [_round8(self.widths[-1])]

    @property
    def size(self) -> int:
        return sum(self.sizes)

    @property
    def logical_width(self) -> int:
        return max(self.column.width, 1)

    def print_format(self, segment: int = 0) -> int:
        if self.column.kind == STRING:
            return (1 << 16) | (min(self.widths[segment], 255) << 8)
        decimals = 0 if self.column.kind == INTEGER else 6
        return (5 << 16) | ((8 if self.column.kind == INTEGER else 16) << 8) | decimals

    def values(self, array: object) -> np.ndarray:
        """The column's bytes in a case, as a (rows, size) uint8 matrix."""
        if self.column.kind != STRING:
            return as_bytes(numbers(array, SYSMIS, "<f8"))
        text = strings(array, self.column.width, SPACE)
        if len(self.sizes) == 1:
            return np.pad(text, ((0, 0), (0, self.size - text.shape[1])), constant_values=SPACE)
        out = np.full((len(text), self.size), SPACE, dtype=np.uint8)
        for segment in range(len(self.sizes)):
            chunk = text[:, segment * SHORT_STRING:(segment + 1) * SHORT_STRING]
            out[:, segment * 256:segment * 256 + chunk.shape[1]] = chunk
        return out


class SavFile:
    @staticmethod
    def check_names(names: Sequence[str]) -> None:
        """Refuse names SPSS cannot hold (long names: at most 64 bytes), before any row is read or written."""
        for name in names:
            if not 0 < len(name.encode()) <= LONG_NAME_LIMIT or "=" in name or "\t" in name:
                raise ValueError(f"{name!r} is not a valid SPSS variable name (at most {LONG_NAME_LIMIT} bytes)")

    def __init__(self, path: Path, columns: Sequence[Column], rows: int) -> None:
        self._variables: list[_Variable] = []
        offset = 0
        for number, column in enumerate(columns, start=1):
            self._variables.append(variable := _Variable(column, number, offset))
            offset += variable.size
        self._slots = offset // 8
        # Which slots hold numbers (whole numbers among them compress to one byte).
        self._numeric = np.zeros(self._slots, dtype=bool)
        for v in self._variables:
            if v.column.kind != STRING:
                self._numeric[v.offset // 8] = True
        self._file = path.open("wb")
        self._file.write(self._header(rows) + self._dictionary(rows))

    def _header(self, rows: int) -> bytes:
        now = time.localtime()
        return struct.pack(
            "<4s60s5i d 9s8s64s3x", b"$FL2", b"@(#) SPSS DATA FILE - sipas-survey".ljust(60), 2, self._slots,
            1, 0, rows if rows < 2**31 else -1, float(BIAS), time.strftime("%d %b %y", now).encode(),
            time.strftime("%H:%M:%S", now).encode(), b" " * 64)

    def _dictionary(self, rows: int) -> bytes:
        out = bytearray()
        for v in self._variables:
            for segment, (width, size) in enumerate(zip(v.widths, v.sizes)):
                name = v.short_name if segment == 0 else f"{v.short_name}S{segment}"
                label = cut(v.column.label, LABEL_LIMIT) if segment == 0 else b""
                fmt = v.print_format(segment)
                out += struct.pack("<5i i 8s", 2, width, bool(label), 0, fmt, fmt, name.encode().ljust(8))
                if label:
                    out += struct.pack("<i", len(label)) + label.ljust(_round4(len(label)), b" ")
                for _ in range(size // 8 - 1):
                    out += struct.pack("<5i i 8s", 2, -1, 0, 0, 0, 0, b" " * 8)
        for v in self._variables:
            if v.column.values:
                out += struct.pack("<2i", 3, len(v.column.values))
                for code, text in sorted(v.column.values.items()):
                    label = cut(text, VALUE_LABEL_LIMIT)
                    out += struct.pack("<dB", float(code), len(label)) + label.ljust(_round8(len(label) + 1) - 1, b" ")
                out += struct.pack("<3i", 4, 1, v.offset // 8 + 1)
        out += _extension(3, 4, struct.pack("<8i", 20, 0, 0, -1, 1, 1, 2, 65001))
        out += _extension(4, 8, struct.pack("<3d", SYSMIS, sys.float_info.max, np.nextafter(SYSMIS, 0)))
        display = b"".join(struct.pack("<3i", _measure(v.column), 8 if v.column.kind != STRING else min(v.logical_width, 40),
                                       0 if v.column.kind == STRING else 1)
                           for v in self._variables for _ in v.sizes)
        out += _extension(11, 4, display)
        out += _extension(13, 1, "\t".join(f"{v.short_name}={v.column.name}" for v in self._variables).encode())
        long_strings = "".join(f"{v.short_name}={v.logical_width}\0\t" for v in self._variables if len(v.sizes) > 1)
        if long_strings:
            out += _extension(14, 1, long_strings.encode())
        out += _extension(20, 1, b"UTF-8")
        out += _extension(16, 8, struct.pack("<2q", 1, rows))
        return bytes(out + struct.pack("<2i", 999, 0))

    def write(self, batch: object) -> None:
        cases = np.hstack([v.values(batch.column(v.column.name)) for v in self._variables])
        self._file.write(_compressed(cases.reshape(len(cases), self._slots, 8), self._numeric))

    def close(self) -> None:
        self._file.close()


def _round4(n: int) -> int:
    return (n + 3) // 4 * 4


def _extension(subtype: int, size: int, data: bytes) -> bytes:
    return struct.pack("<4i", 7, subtype, size, len(data) // size) + data


def _measure(column: Column) -> int:
    if column.kind == STRING:
        return NOMINAL
    return ORDINAL if column.values else SCALE


def _compressed(slots: np.ndarray, numeric: np.ndarray) -> bytes:
    """Cases of 8-byte slots, (rows, slots, 8) uint8, as compressed blocks. The cases of a batch run on
    from one command group to the next; the batch's last group is padded with code 0, which readers skip."""
    values = slots.view("<f8")[:, :, 0]
    whole = (values == np.round(values)) & (values >= 1 - BIAS) & (values <= 251 - BIAS)
    number_codes = np.where(values == SYSMIS, MISSING, np.where(whole, values + BIAS, LITERAL))
    string_codes = np.where((slots == SPACE).all(axis=2), SPACES, LITERAL)
    codes = np.where(numeric, number_codes, string_codes).astype(np.uint8).ravel()
    slots = slots.reshape(-1, 8)
    groups = -(-len(codes) // 8)
    padding = groups * 8 - len(codes)
    codes = np.pad(codes, (0, padding)).reshape(groups, 8)
    blocks = np.empty((groups, 9, 8), dtype=np.uint8)
    blocks[:, 0, :] = codes
    blocks[:, 1:, :] = np.pad(slots, ((0, padding), (0, 0))).reshape(groups, 8, 8)
    keep = np.ones((groups, 9), dtype=bool)
    keep[:, 1:] = codes == LITERAL
    return blocks[keep].tobytes()
