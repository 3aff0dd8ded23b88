"""A temporary file of the batches read in the first pass, read back in the second.

Disclosure control needs every cell's count before the first row is written, so the rows are needed
twice. Reading them back from this file (numpy's own format, no pickling) costs a fraction of asking the
database again, and the second pass then writes exactly the responses the first one counted. Batches can
be read back in any order (the export writes them in a random one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np


class Spill:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._file = path.open("wb")
        self._offsets: list[int] = []

    @property
    def batches(self) -> int:
        return len(self._offsets)

    def add(self, *arrays: np.ndarray) -> None:
        self._offsets.append(self._file.tell())
        for array in arrays:
            np.save(self._file, array, allow_pickle=False)
        self._width = len(arrays)

    def read(self, order: Sequence[int]) -> Iterator[tuple[np.ndarray, ...]]:
        """The batches, by their numbers in the order they were added."""
        self._file.close()
        with self._path.open("rb") as handle:
            for batch in order:
                handle.seek(self._offsets[batch])
                yield tuple(np.load(handle, allow_pickle=False) for _ in range(self._width))

    def close(self) -> None:
        """Removes the file; safe to call more than once."""
        self._file.close()
        self._path.unlink(missing_ok=True)
