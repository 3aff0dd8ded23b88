"""The rollup recomputed from the response rows in SQL, with the rules of :mod:`survey.rollup.cells`.

Used to fill the rollup (migration, ``survey rollup rebuild``, restore) and to verify it (``survey rollup
check``). Fingerprints, satisfied values and the time zone are written into the SQL as literals after a
check of their spelling: the CASE repeats them per column, which as bound parameters would run into the
engines' limits.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from survey.core.ratings import RATING_COLUMNS
from survey.rollup.cells import ANSWERED, COUNTER_KEY, PATTERN_KEY, SATISFIED, satisfied_by_fingerprint

_PLAIN = re.compile(r"[A-Za-z0-9_:./+-]*")


def _literal(text: str) -> str:
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"unexpected characters in {text!r}")
    return f"'{text}'"


def _state(column: str, satisfied: dict[str, tuple[int, ...]]) -> str:
    groups: dict[tuple[int, ...], list[str]] = {}
    for fingerprint, values in satisfied.items():
        if values:
            groups.setdefault(values, []).append(fingerprint)
    tests = [f"(index_fingerprint IN ({', '.join(map(_literal, sorted(fps)))}) AND {column} IN "
             f"({', '.join(str(int(v)) for v in values)}))" for values, fps in sorted(groups.items())]
    satisfied_test = " OR ".join(tests) or "1 = 0"
    return f"(CASE WHEN {column} IS NULL THEN 0 WHEN {satisfied_test} THEN 2 ELSE 1 END)"


def local_day_sql(engine: str, tz: str, now: datetime) -> str:
    """The local day of ``received_at`` as YYYY-MM-DD. SQLite has no zone database: it adds the zone's
    offset now (fixed for Vietnam), as the reports always did."""
    if engine == "postgres":
        return f"to_char(received_at AT TIME ZONE {_literal(tz)}, 'YYYY-MM-DD')"
    offset = ZoneInfo(tz).utcoffset(now)
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return f"date(received_at, '{minutes:+d} minutes')"


def pattern_select(engine: str, tz: str, now: datetime, daily_from: str, where: str = "1 = 1") -> str:
    """Rows of ``response_cell`` (its key, then ``n``) computed from the responses matching ``where``."""
    satisfied = satisfied_by_fingerprint()
    pattern = " + ".join(f"{_state(c, satisfied)} * {3 ** j}" for j, c in enumerate(RATING_COLUMNS))
    day = f"CASE WHEN period >= {_literal(daily_from)} THEN {local_day_sql(engine, tz, now)} ELSE '' END"
    columns = {"day": day, "pattern": pattern}
    select = ", ".join(f"{columns.get(k, k)} AS {k}" for k in PATTERN_KEY)
    return (f"SELECT {select}, COUNT(*) AS n FROM response WHERE {where} "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(PATTERN_KEY)))}")


def counter_day_select(engine: str, tz: str, now: datetime, where: str = "1 = 1") -> str:
    """Rows of ``counter_day_cell`` (its key, then its sums) computed from the responses matching ``where``."""
    satisfied = satisfied_by_fingerprint()
    columns = {"day": local_day_sql(engine, tz, now)}
    select = ", ".join(f"{columns.get(k, k)} AS {k}" for k in COUNTER_KEY)
    sums = [f"COUNT({c}) AS {a}" for c, a in zip(RATING_COLUMNS, ANSWERED)]
    sums += [f"SUM(CASE WHEN {_state(c, satisfied)} = 2 THEN 1 ELSE 0 END) AS {s}" for c, s in zip(RATING_COLUMNS, SATISFIED)]
    return (f"SELECT {select}, COUNT(*) AS n, {', '.join(sums)} FROM response WHERE {where} "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(COUNTER_KEY)))}")
