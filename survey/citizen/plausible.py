"""How many answers a counter can plausibly receive in one burst window: layer (b) of the burst flags.

A counter serves citizens one at a time: its rate is bounded by its dossiers. The norm is derived from the
counter's unit's latest known monthly dossier volume shared among the unit's active counters, and from the
counter's own answers over the last 28 days, whichever gives the higher rate, and kept per process for ten
minutes (a norm need not follow the last second, and this keeps the write path free of these reads).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

from survey.citizen.device import BURST_WINDOW_S, COUNTER_FACTOR, COUNTER_FLOOR
from survey.db.engine import current_engine
from survey.db.tables import Counter, DossierVolume, Response

# Windows of BURST_WINDOW_S in a month of 22 working days of 8 hours, and in 28 days of which 20 are worked.
MONTH_WINDOWS = 22 * 8 * 3600 / BURST_WINDOW_S
HISTORY_DAYS = 28
HISTORY_WINDOWS = 20 * 8 * 3600 / BURST_WINDOW_S
CACHE_S = 600

_norms: dict[tuple[int, int], tuple[float, int]] = {}


def norm_from(monthly_dossiers: int, counters: int, recent_answers: int) -> int:
    expected = max(monthly_dossiers / max(counters, 1) / MONTH_WINDOWS, recent_answers / HISTORY_WINDOWS)
    return max(COUNTER_FLOOR, math.ceil(COUNTER_FACTOR * expected))


async def _norm(counter_id: int) -> int:
    counter = await Counter.select(Counter.unit).where(Counter.id == counter_id).first()
    if counter is None:
        return COUNTER_FLOOR
    unit = counter["unit"]
    volume = await DossierVolume.select(DossierVolume.dossiers).where(DossierVolume.unit == unit).order_by(
        DossierVolume.period, ascending=False
    ).first()
    counters = await Counter.count().where(Counter.unit == unit, Counter.active.eq(True))
    since = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
    recent = await Response.count().where(Response.counter == counter_id, Response.received_at >= since)
    return norm_from(volume["dossiers"] if volume else 0, counters, recent)


async def counter_norms(counter_ids: set[int]) -> dict[int, int]:
    """The most answers each counter may receive in one burst window before further ones are flagged."""
    now, engine = time.monotonic(), id(current_engine())
    for counter_id in counter_ids:
        cached = _norms.get((engine, counter_id))
        if cached is None or now - cached[0] > CACHE_S:
            _norms[(engine, counter_id)] = (now, await _norm(counter_id))
    return {counter_id: _norms[(engine, counter_id)][1] for counter_id in counter_ids}


def forget_norms() -> None:
    _norms.clear()
