"""Input checks that turn bad data into a ``ValueError`` naming the problem."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _first_rows(mask: np.ndarray, limit: int = 5) -> str:
    rows = np.flatnonzero(mask)[:limit].tolist()
    more = " ..." if mask.sum() > limit else ""
    return f"{rows}{more}"


def check_lengths(n: int, arrays: Mapping[str, object], what: str = "row") -> None:
    for name, values in arrays.items():
        if values is None:
            continue
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array, got shape {values.shape}")
        if len(values) != n:
            raise ValueError(f"{name} has {len(values)} {what}s but the weights have {n}")


# Variances sum squares of weighted values over millions of rows; beyond this magnitude they overflow to
# inf/NaN, which must be a clear refusal rather than a silent non-number. No survey quantity comes close.
MAX_MAGNITUDE = 1e60


def check_magnitude(values: np.ndarray, name: str) -> None:
    huge = np.abs(values) > MAX_MAGNITUDE
    if huge.any():
        raise ValueError(f"{name} has values beyond ±{MAX_MAGNITUDE:g}, too large to sum without overflow, "
                         f"at rows {_first_rows(huge)}")


def check_nonnegative(values: np.ndarray, name: str) -> np.ndarray:
    if np.isnan(values).any():
        raise ValueError(f"{name} contain NaN at rows {_first_rows(np.isnan(values))}")
    if np.isinf(values).any():
        raise ValueError(f"{name} contain infinite values at rows {_first_rows(np.isinf(values))}")
    if (values < 0).any():
        raise ValueError(f"{name} contain negative values at rows {_first_rows(values < 0)}")
    return values


def check_weights(weights) -> np.ndarray:
    weights = np.asarray(weights)
    if weights.ndim != 1:
        raise ValueError(f"weights must be a 1-D array, got shape {weights.shape}")
    if weights.size == 0:
        raise ValueError("weights are empty: a design needs at least one row")
    if weights.dtype.kind not in "biuf":
        raise ValueError(f"weights must be numeric, got dtype {weights.dtype}")
    weights = check_nonnegative(weights.astype(float, copy=False), "weights")
    check_magnitude(weights, "weights")
    if not (weights > 0).any():
        raise ValueError("weights are all zero")
    return weights


def check_labels(labels, name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise ValueError(f"{name} labels contain NaN at rows {_first_rows(np.isnan(labels))}")
    if labels.dtype.kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in labels.tolist()])
        if missing.any():
            raise ValueError(f"{name} labels are missing at rows {_first_rows(missing)}")
    return labels


def check_item(y, n: int, name: str, binary: bool) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{name} must be a 1-D array of {n} values, got shape {y.shape}")
    if y.dtype.kind == "b":
        return y.astype(float)
    if y.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric (NaN for no answer), got dtype {y.dtype}")
    y = y.astype(float, copy=False)
    if np.isinf(y).any():
        raise ValueError(f"{name} contains infinite values at rows {_first_rows(np.isinf(y))}")
    check_magnitude(y, name)
    if binary:
        bad = ~((y == 0.0) | (y == 1.0) | np.isnan(y))
        if bad.any():
            raise ValueError(f"{name} must be 0/1 (or NaN for no answer) for a proportion; "
                             f"other values at rows {_first_rows(bad)}")
    return y
