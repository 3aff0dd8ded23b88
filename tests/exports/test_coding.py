"""Cell codes and their counts, checked against plain Python tuples and collections.Counter."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from survey.core.periods import month_number
from survey.exports.coding import CannotCode, CellCoding, CellCounter
from survey.exports.dataset import _packed_groups
from survey.exports.source import COLUMN, COLUMNS, MISSING, Channels

UNITS = [3, 17, 40, 41]
MONTHS = ["2025-11", "2025-12", "2026-01"]
PROCEDURES = {1: "Hộ tịch", 2: "Đất đai", 5: "", 9: "Hộ tịch"}
DEMOGRAPHIC_CODES = [(1, 2), (0, 1, 2, 3)]


def matrix(rng: np.random.Generator, n: int, channels: Channels) -> tuple[np.ndarray, list[tuple]]:
    rows, keys = np.zeros((n, len(COLUMNS) + 2), dtype=np.int64), []
    for row in rows:
        unit, month = int(rng.choice(UNITS)), str(rng.choice(MONTHS))
        procedure = int(rng.choice([0, 1, 2, 5, 9]))
        channel = str(rng.choice(["qr", "api", "paper"]))
        answers = [int(rng.choice(codes)) if rng.random() < 0.8 else None for codes in DEMOGRAPHIC_CODES]
        row[[COLUMN["unit"], COLUMN["procedure"], COLUMN["month"], COLUMN["channel"]]] = (
            unit, procedure, month_number(month), channels.number(channel))
        row[len(COLUMNS):] = [MISSING if a is None else a for a in answers]
        keys.append((unit, month, PROCEDURES.get(procedure) or None, channel, *answers))
    return rows, keys


def test_cell_codes_decode_to_the_cells_they_were_made_from():
    channels = Channels()
    rows, keys = matrix(np.random.default_rng(4), 2_000, channels)
    coding = CellCoding(UNITS, MONTHS, PROCEDURES, channels, DEMOGRAPHIC_CODES)
    codes = coding.codes(rows, [len(COLUMNS), len(COLUMNS) + 1])
    assert coding.keys(codes) == keys
    # Equal cells get equal codes and different cells different ones.
    assert len(set(codes.tolist())) == len(set(keys))


def test_a_value_outside_the_instrument_is_refused_not_miscoded():
    channels = Channels()
    rows, _ = matrix(np.random.default_rng(5), 10, channels)
    rows[3, len(COLUMNS) + 1] = 7  # not one of the item's codes
    coding = CellCoding(UNITS, MONTHS, PROCEDURES, channels, DEMOGRAPHIC_CODES)
    with pytest.raises(CannotCode):
        coding.codes(rows, [len(COLUMNS), len(COLUMNS) + 1])


@pytest.mark.parametrize("merge_at", [1, 50, 10_000_000])
def test_counts_merged_batch_by_batch_equal_a_single_count(merge_at):
    rng = np.random.default_rng(merge_at)
    batches = [rng.integers(0, 300, int(rng.integers(1, 200))) * 7919 for _ in range(40)]
    counter = CellCounter(merge_at=merge_at)
    for batch in batches:
        counter.add(batch)
    codes, counts = counter.result()
    expected = Counter(np.concatenate(batches).tolist())
    assert dict(zip(codes.tolist(), counts.tolist())) == expected
    assert list(codes) == sorted(expected)


def test_packed_item_groups_give_back_every_row():
    rng = np.random.default_rng(6)
    columns = rng.integers(1, 6, (500, 5))
    columns[rng.random((500, 5)) < 0.2] = MISSING
    columns[:, 4] = rng.integers(-2 ** 59, 2 ** 59, 500)  # too wide to share an integer with the others
    groups = _packed_groups(columns)
    assert len(groups) == 2
    rebuilt = np.hstack([np.array(table, dtype=object)[index] for _, table, index in groups])
    expected = np.where(columns == MISSING, None, columns).astype(object)
    assert (rebuilt == expected).all()
