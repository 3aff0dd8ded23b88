"""All-or-nothing CSV imports with row-numbered errors.

A file is read and every row checked before anything is written; one bad row rejects the whole file and
every problem is reported with its row number (the header is row 1, as in a spreadsheet).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from survey.core.i18n import gettext as _
from survey.core.i18n import ngettext
from survey.core.periods import PeriodError, parse_month

MAX_BYTES = 50 * 1024 * 1024
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column,
                     message=self.message)
        return _("row %(row)s: %(message)s", row=self.row, message=self.message)


class ImportRejected(ValueError):
    """The file was rejected whole; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = "\n  " + _("... and %(count)s more", count=len(errors) - 50) if len(errors) > 50 else ""
        heading = ngettext("%(num)s problem; nothing was imported:", "%(num)s problems; nothing was imported:",
                           len(errors))
        super().__init__(f"{heading}\n{shown}{more}")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    parse: Callable[[str], object] = str


def parse_code(value: str) -> str:
    if not CODE.match(value):
        raise ValueError(_("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
    return value


def parse_text(value: str) -> str:
    if len(value) > 255:
        raise ValueError(_("is longer than 255 characters"))
    return value


def parse_period(value: str) -> str:
    """A month cell in any form ``survey.core.periods`` reads (2026-07, 7/2026), stored as ``YYYY-MM``."""
    try:
        return parse_month(value)
    except PeriodError:
        raise ValueError(_("must be a month written YYYY-MM, e.g. 2026-07")) from None


def parse_count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(_("must be a whole number")) from None
    if number < 0:
        raise ValueError(_("must not be negative"))
    return number


def read_text(path: Path) -> str:
    if not path.is_file():
        raise ImportRejected([RowError(0, "", _("%(path)s is not a readable file", path=path))])
    if path.stat().st_size > MAX_BYTES:
        raise ImportRejected([RowError(0, "", _("the file is larger than %(size)s MB", size=MAX_BYTES // (1024 * 1024)))])
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected([RowError(0, "", _("the file is not UTF-8 text (%(reason)s at byte %(byte)s)", reason=exc.reason, byte=exc.start))]) from None


def parse_rows(text: str, columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield (row number, parsed values) for every row; raise ImportRejected with every problem found."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", _("not valid CSV: %(problem)s", problem=exc))]) from None
    known = {c.name for c in columns}
    errors = [RowError(1, name, _("unknown column")) for name in header if name not in known]
    errors += [RowError(1, c.name, _("required column is missing")) for c in columns if c.required and c.name not in header]
    if errors:
        raise ImportRejected(errors)
    parsed: list[tuple[int, dict[str, object]]] = []
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportRejected([RowError(reader.line_num, "", _("not valid CSV: %(problem)s", problem=exc))]) from None
    for number, raw in enumerate(records, start=2):
        if None in raw:
            errors.append(RowError(number, "", _("more fields than the header has")))
            continue
        values: dict[str, object] = {}
        for column in columns:
            cell = (raw.get(column.name) or "").strip()
            if not cell:
                if column.required:
                    errors.append(RowError(number, column.name, _("is empty")))
                values[column.name] = None
                continue
            try:
                values[column.name] = column.parse(cell)
            except ValueError as exc:
                errors.append(RowError(number, column.name, f"{cell[:40]!r} {exc}"))
        parsed.append((number, values))
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ImportRejected([RowError(2, "", _("the file has a header but no rows"))])
    return iter(parsed)
