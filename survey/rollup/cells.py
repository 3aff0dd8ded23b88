"""What one response adds to the rollup, computed in Python (the writers) with the same rules as the SQL that
rebuilds the rollup from the rows (``survey.rollup.rows``).

A report needs, per weighting cell (unit × month), how many respondents share each answer pattern: the base-3
code ``Σ state_j·3^j`` over the rating columns ``e1..e5, overall`` (0 not answered, 1 answered and not
satisfied, 2 satisfied). Every estimate of the respondent design and its linearised variance, including the
composite's cross-products of element indicators, is a sum over respondents of a function of this pattern,
so the counts per pattern are sufficient and exact. The satisfied values are those of the definition named
by the response's ``index_fingerprint``: a report pools only fingerprints whose definitions have the same
satisfied values and element order (``instruments.checks``), so the stored states are the ones the report
would compute. A report on fewer elements reads the digits of its columns only.

The cut-off (answers received before the first moment of a local day) needs the local day: the month in
progress and the month before keep one row per local day; older months, which every report includes
whole, are compacted to one row per month (``day = ''``), so their size does not grow with the days.

The counter-day design needs per (counter, local day) the responses and per column the answered and
satisfied counts; these are kept per day for every month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import instruments
from survey.core.periods import month_label, month_number, month_of
from survey.core.ratings import RATING_COLUMNS

PATTERN_KEY = ("stratum", "unit", "period", "day", "status", "instrument_key", "instrument_version",
               "index_fingerprint", "pattern")
COUNTER_KEY = ("stratum", "unit", "period", "counter", "day", "status", "instrument_key", "index_fingerprint")
ANSWERED = tuple(f"a{j}" for j in range(len(RATING_COLUMNS)))
SATISFIED = tuple(f"s{j}" for j in range(len(RATING_COLUMNS)))
COUNTER_SUMS = ("n", *ANSWERED, *SATISFIED)
# The response columns a contribution is computed from.
SOURCE_COLUMNS = ("stratum", "unit", "period", "counter", "received_at", "status", "instrument_key",
                  "instrument_version", "index_fingerprint", *RATING_COLUMNS)
MONTH = ""  # the day of a compacted row: the whole month

PatternKey = tuple[Any, ...]
CounterKey = tuple[Any, ...]


_known: tuple[object, dict[str, tuple[int, ...]]] | None = None


def satisfied_by_fingerprint() -> dict[str, tuple[int, ...]]:
    """Satisfied values of every definition this release knows, by fingerprint (worked out once per set of
    loaded definitions: the writer asks on every batch). A response scored by an unknown definition counts no
    rating as satisfied: reports refuse or leave out such responses anyway."""
    global _known
    registry = instruments.registry()
    if _known is None or _known[0] is not registry:
        known: dict[str, tuple[int, ...]] = {}
        for instrument in registry:  # every version of every instrument
            definition = instrument.index_definition()
            known[definition.fingerprint] = tuple(definition.satisfied_values)
        _known = (registry, known)
    return _known[1]


def first_daily_month(now: datetime, tz: str) -> str:
    """The oldest month kept per local day: the month before the current local month."""
    return month_label(month_number(month_of(now, tz)) - 1)


def local_day(received_at: datetime | str, tz: str) -> str:
    moment = received_at if isinstance(received_at, datetime) else datetime.fromisoformat(str(received_at))
    return moment.astimezone(ZoneInfo(tz)).date().isoformat()


def states(row: Mapping[str, Any], satisfied: tuple[int, ...]) -> list[int]:
    return [0 if row[c] is None else 2 if row[c] in satisfied else 1 for c in RATING_COLUMNS]


class Delta:
    """Changes to the rollup, summed per key, so a batch writes one upsert per key."""

    def __init__(self, tz: str, now: datetime) -> None:
        self.tz = tz
        self.daily_from = first_daily_month(now, tz)
        self.satisfied = satisfied_by_fingerprint()
        self.patterns: dict[PatternKey, int] = {}
        self.counter_days: dict[CounterKey, list[int]] = {}
        self.days: dict[object, str] = {}

    def add(self, row: Mapping[str, Any], sign: int = 1) -> None:
        """Count ``row`` (a response with :data:`SOURCE_COLUMNS`) once more (``sign`` 1) or once less (-1)."""
        state = states(row, self.satisfied.get(row["index_fingerprint"], ()))
        received = row["received_at"]
        day = self.days.get(received)
        if day is None:  # a batch's responses share one moment: the zone is consulted once
            day = self.days[received] = local_day(received, self.tz)
        pattern = sum(s * 3 ** j for j, s in enumerate(state))
        grain = day if row["period"] >= self.daily_from else MONTH
        key = (row["stratum"], row["unit"], row["period"], grain, str(row["status"]), row["instrument_key"],
               row["instrument_version"], row["index_fingerprint"], pattern)
        self.patterns[key] = self.patterns.get(key, 0) + sign
        counter_key = (row["stratum"], row["unit"], row["period"], row["counter"], day, str(row["status"]),
                       row["instrument_key"], row["index_fingerprint"])
        sums = self.counter_days.setdefault(counter_key, [0] * len(COUNTER_SUMS))
        for j, value in enumerate([1, *(s > 0 for s in state), *(s == 2 for s in state)]):
            sums[j] += sign * int(value)

    def add_all(self, rows: Iterable[Mapping[str, Any]], sign: int = 1) -> Delta:
        for row in rows:
            self.add(row, sign)
        return self

    def cells(self) -> list[tuple[int, str]]:
        """The (stratum, month) cells whose data version changes."""
        return sorted({(k[0], k[2]) for k, v in self.patterns.items() if v}
                      | {(k[0], k[2]) for k, v in self.counter_days.items() if any(v)})

    def __bool__(self) -> bool:
        return bool(self.cells())
