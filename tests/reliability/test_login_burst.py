"""A burst of simultaneous password guesses at a real server with several workers (issue: the throttle was
checked, then the password verified for 0.1-0.3 s, then the failure recorded, so 100 simultaneous attempts
all got verified and the right password among them was accepted)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx

from survey.demo.loader import DEMO_MANAGER
from tests.reliability.server import Deployment, LiveServer

ATTEMPTS = 100
LIMIT = 5  # the default SURVEY_LOGIN_MAX_FAILURES
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_a_hundred_simultaneous_guesses_verify_at_most_the_limit(deployment: Deployment, tmp_path: Path):
    server = LiveServer(deployment, tmp_path / "server.log", workers=3)
    await server.start()
    try:
        limits = httpx.Limits(max_connections=ATTEMPTS)
        async with httpx.AsyncClient(base_url=deployment.base_url, timeout=120, limits=limits) as client:
            page = await client.get("/login", headers={"accept": "text/html"})
            token = CSRF.search(page.text).group(1)
            name, right = DEMO_MANAGER
            guesses = [f"wrong-guess-{i:03d}" for i in range(ATTEMPTS - 1)] + [right]

            async def attempt(password: str) -> int:
                response = await client.post("/login", data={
                    "username": name, "password": password, "_csrf_token": token,
                }, headers={"accept": "text/html"}, follow_redirects=False)
                return response.status_code

            statuses = await asyncio.gather(*(attempt(password) for password in guesses))
    finally:
        server.stop()
    verified = [status for status in statuses if status in (303, 401)]
    assert len(verified) <= LIMIT, sorted(statuses)
    assert 303 not in statuses, "the right password, sent after the limit, was accepted"
    assert set(statuses) <= {401, 429, 503}, sorted(statuses)  # a busy database is a 503, never a 500
