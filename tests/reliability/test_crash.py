"""``kill -9`` under load, several times: no acknowledged submission lost, none stored twice, none half.

Kiosks post JSON with idempotency keys and citizens go through the survey page while the server is killed
at random moments and restarted; every client keeps retrying its unacknowledged submission with the same
key or nonce until the server acknowledges it. Then the database must hold each submission exactly once,
with all its answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import httpx
import pytest

from tests.reliability.citizens import Citizens, Traffic
from tests.reliability.ledger import Ledger, max_response_id, reconcile
from tests.reliability.server import LiveServer, counter_tokens

pytestmark = pytest.mark.slow

KILLS = 4
KIOSKS = 4
PAGE_CITIZENS = 2
# A bound on the whole run, far above what it needs, so a hung server fails the test instead of CI.
RUN_LIMIT_S = 120


async def keep_submitting(citizens: Citizens, by_api: bool, stop: asyncio.Event, refused: list[str]) -> None:
    """Submit one after another until told to stop; each submission is retried until acknowledged."""
    while not stop.is_set():
        done = await (citizens.by_api() if by_api else citizens.by_page())
        if not done:
            refused.append("api" if by_api else "page")


async def kill_and_restart(server: LiveServer, rng: random.Random, times: int) -> int:
    kills = 0
    for _ in range(times):
        await asyncio.sleep(rng.uniform(0.3, 1.5))
        server.kill()
        kills += 1
        await asyncio.sleep(rng.uniform(0.0, 0.5))
        await server.start()
    await asyncio.sleep(0.5)
    return kills


async def test_kill_9_under_load_loses_and_duplicates_nothing(live_server: LiveServer):
    settings = live_server.deployment.settings
    tokens = await counter_tokens(settings)
    baseline = await max_response_id(settings)
    ledger, traffic, refused = Ledger(), Traffic(), []
    stop = asyncio.Event()
    rng = random.Random(20261121)
    deadline = time.monotonic() + RUN_LIMIT_S
    async with httpx.AsyncClient(timeout=10.0) as http, contextlib.AsyncExitStack() as browsers:
        # Each page citizen is a browser of its own: the form nonce is bound to the browser's form cookie, which
        # citizens sharing one cookie jar could overwrite for each other when their first pages cross.
        crowd = [Citizens(http if n < KIOSKS else await browsers.enter_async_context(httpx.AsyncClient(timeout=10.0)),
                          live_server.deployment.base_url, tokens, ledger, traffic, deadline,
                          random.Random(n), max_pause_s=0.3) for n in range(KIOSKS + PAGE_CITIZENS)]
        clients = [asyncio.create_task(keep_submitting(c, n < KIOSKS, stop, refused)) for n, c in enumerate(crowd)]
        kills = await kill_and_restart(live_server, rng, KILLS)
        stop.set()
        await asyncio.gather(*clients)
    live_server.stop()

    result = await reconcile(settings, ledger, baseline)
    assert kills >= 3
    assert traffic.errors > 0, "no request ever met a dead server: the kills missed the load"
    assert refused == [], "the server refused submissions it should have stored"
    assert ledger.acknowledged == set(ledger.answers), "a submission was never acknowledged, even after retries"
    assert result.problems == []
    assert result.stored == len(ledger.answers) > 50
    assert traffic.unrecognised_replays == 0
    print(f"{kills} kills, {result.stored} submissions stored once each, {traffic.errors} failed requests")
