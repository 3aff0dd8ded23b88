"""Turning label arrays of any dtype into dense integer codes."""

from __future__ import annotations

import numpy as np



def _dense_limit(n: int) -> int:
    """Largest key range worth a presence table instead of a sort: a few bytes per row at most."""
    return min(1 << 27, max(4 * n, 1 << 16))


def factorize(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, uniques)`` with ``uniques[codes] == labels`` and ``uniques`` sorted.

    Small non-negative integer labels take an O(n) presence-table path instead of a sort,
    which matters for the tens of millions of rows a report may cover.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind in "iub" and labels.size:
        numbers = labels.astype(np.int64) if labels.dtype.kind == "b" else labels
        low, high = int(numbers.min()), int(numbers.max())
        if high - low < _dense_limit(len(labels)):
            codes, present = dense_codes(numbers - low if low else numbers, high - low + 1)
            return codes, (np.flatnonzero(present) + low).astype(labels.dtype)
    uniques, codes = np.unique(labels, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), uniques


def dense_codes(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Compact non-negative integer ``keys`` below ``size`` to 0..k-1, keeping their order."""
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    used = np.flatnonzero(present)
    # np.zeros is lazily mapped: only the pages of keys that occur are ever touched.
    rank = np.zeros(size, dtype=np.int32 if len(used) < 2**31 else np.int64)
    rank[used] = np.arange(len(used))
    return rank[keys].astype(np.int64), present


def combine_codes(*codes_and_sizes: tuple[np.ndarray, int]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct combinations of several code arrays, and the combination keys.

    The key of a combination is the mixed-radix number of its parts, so callers can decode it.
    """
    key = np.zeros(len(codes_and_sizes[0][0]), dtype=np.int64)
    total = 1
    for codes, size in codes_and_sizes:
        key = key * size + codes
        total *= size
    if total < _dense_limit(len(key)):
        codes, present = dense_codes(key, total)
        return codes, np.flatnonzero(present)
    uniques, codes = np.unique(key, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), uniques


def decode(keys: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Split mixed-radix ``keys`` built by :func:`combine_codes` back into their parts."""
    parts = []
    for size in reversed(sizes):
        parts.append(keys % size)
        keys = keys // size
    return parts[::-1]
