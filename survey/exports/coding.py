"""A response's cell, (unit, month, procedure field, channel, *demographic answers), as one integer.

Disclosure control works on the number of responses in each cell. Coding each cell as a mixed-radix
integer lets numpy count millions of responses per second and look a response's cell up by binary search,
where a Python tuple per response would cost more than the rest of the export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from survey.core.periods import month_label, month_number
from survey.exports.source import COLUMN, MISSING, Channels

# Room for channel numbers: the application writes four; imported data may add a few.
CHANNEL_RADIX = 64


class CannotCode(ValueError):
    """The selection holds something the coding has no room for."""


class CellCoding:
    def __init__(self, unit_ids: Sequence[int], months: Sequence[str], procedure_fields: Mapping[int, str | None],
                 channels: Channels, demographic_codes: Sequence[Sequence[int]]) -> None:
        self._units = np.array(sorted(unit_ids), dtype=np.int64)
        # Position of each unit id (-1: not in the scope), for a look-up without a search.
        self._unit_position = np.full(int(self._units[-1]) + 2, -1, dtype=np.int64)
        self._unit_position[self._units] = np.arange(len(self._units))
        self._first_month = month_number(months[0])
        self._months = len(months)
        self.fields: list[str | None] = [None, *sorted({f for f in procedure_fields.values() if f})]
        position = {field: n for n, field in enumerate(self.fields)}
        # An empty procedure field and no procedure at all are the same thing to a reader: unknown.
        self._field_of = np.zeros(max(procedure_fields, default=0) + 1, dtype=np.int64)
        for procedure, field in procedure_fields.items():
            self._field_of[procedure] = position[field or None]
        self._channels = channels
        # A demographic answer is coded as its offset from the smallest code, plus one; 0 is no answer.
        self._lowest = [min(codes) for codes in demographic_codes]
        radices = [len(self._units), self._months, len(self.fields), CHANNEL_RADIX,
                   *(max(codes) - min(codes) + 2 for codes in demographic_codes)]
        if np.prod(np.array(radices, dtype=float)) >= 2.0 ** 62:
            raise CannotCode("too many units, months and demographic answers to code the cells of this export; "
                             "export a smaller scope or period")
        self._radices = np.array(radices, dtype=np.int64)

    def codes(self, matrix: np.ndarray, demographic_columns: Sequence[int]) -> np.ndarray:
        """Each row's cell code; ``demographic_columns`` are the matrix columns of the demographic answers."""
        unit = self._unit_position[np.clip(matrix[:, COLUMN["unit"]], -1, len(self._unit_position) - 1)]
        if (unit < 0).any():
            raise RuntimeError("a response's unit left the scope during the export; run it again")
        procedure = matrix[:, COLUMN["procedure"]]
        known = procedure < len(self._field_of)
        digits = [unit, matrix[:, COLUMN["month"]] - self._first_month,
                  np.where(known, self._field_of[np.where(known, procedure, 0)], 0), matrix[:, COLUMN["channel"]]]
        for lowest, column in zip(self._lowest, demographic_columns):
            values = matrix[:, column]
            digits.append(np.where(values == MISSING, 0, values - lowest + 1))
        code = np.zeros(len(matrix), dtype=np.int64)
        for digit, radix in zip(digits, self._radices):
            if (digit < 0).any() or (digit >= radix).any():
                raise CannotCode("a stored value lies outside what the instrument and the scope allow "
                                 "(an answer code, a month or a channel); nothing was written")
            code = code * radix + digit
        return code

    def keys(self, codes: np.ndarray) -> list[tuple]:
        """The cells of ``codes`` as tuples (unit id, month, field or None, channel, *demographic answers)."""
        digits = []
        for radix in self._radices[::-1]:
            codes, digit = np.divmod(codes, radix)
            digits.append(digit)
        unit, month, field, channel, *demographics = digits[::-1]
        channel_names = self._channels.names
        labels = [month_label(self._first_month + m) for m in range(self._months)]
        columns = [self._units[unit].tolist(), [labels[m] for m in month.tolist()],
                   [self.fields[f] for f in field.tolist()], [channel_names[c] for c in channel.tolist()]]
        for lowest, values in zip(self._lowest, demographics):
            columns.append([None if v == 0 else v + lowest - 1 for v in values.tolist()])
        return list(zip(*columns))


class CellCounter:
    """Responses per cell code, merged as batches come so memory follows the cells, not the rows."""

    def __init__(self, merge_at: int = 4_000_000) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending = 0
        self._merge_at = merge_at

    def add(self, codes: np.ndarray) -> None:
        self._parts.append(np.unique(codes, return_counts=True))
        self._pending += len(self._parts[-1][0])
        if self._pending >= self._merge_at:
            self._parts = [self.result()]
            self._pending = len(self._parts[0][0])

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct codes and their counts."""
        if not self._parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        codes = np.concatenate([part[0] for part in self._parts])
        counts = np.concatenate([part[1] for part in self._parts])
        distinct, inverse = np.unique(codes, return_inverse=True)
        return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct)).astype(np.int64)
