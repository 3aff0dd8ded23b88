"""Against a real ``survey serve``: no secrets in its logs, streamed bodies capped, and a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import signal
from pathlib import Path

import httpx
import pytest

from survey.db.engine import bind, engine_from_settings
from survey.db.tables import AuditLog
from survey.demo.loader import DEMO_ADMIN, DEMO_COUNTER
from survey.receipts import apikeys
from tests.reliability.citizens import NONCE, THANKS, Citizens, Traffic
from tests.reliability.ledger import Ledger, max_response_id, reconcile
from tests.reliability.server import SECRET_KEY, Deployment, LiveServer, counter_tokens

pytestmark = pytest.mark.slow

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CLIENT_IP = "203.0.113.77"
WRONG_PASSWORD = "Wrong-Pa55word-for-logs"
IN_FLIGHT = 60


async def officer_login(http: httpx.AsyncClient, password: str) -> httpx.Response:
    page = await http.get("/login", headers={"accept": "text/html"})
    token = CSRF.search(page.text).group(1)
    return await http.post("/login", data={"username": DEMO_ADMIN[0], "password": password, "_csrf_token": token},
                           headers={"accept": "text/html"})


async def test_logs_and_audit_trail_hold_no_password_key_token_or_address(deployment: Deployment, tmp_path: Path):
    verbose = dataclasses.replace(deployment, log_level="DEBUG")
    bind(engine_from_settings(verbose.settings))
    api_key = await apikeys.create(SECRET_KEY, "log-check", "NB")
    server = LiveServer(verbose, tmp_path / "server.log")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=verbose.base_url, headers={"x-forwarded-for": CLIENT_IP}) as http:
            assert (await officer_login(http, WRONG_PASSWORD)).status_code == 401
            assert (await officer_login(http, DEMO_ADMIN[1])).status_code == 303
            session = http.cookies["survey_session"]
            minted = await http.post("/api/v1/receipts", json={"counter": DEMO_COUNTER},
                                     headers={"authorization": f"Bearer {api_key}"})
            receipt = minted.json()["token"]
            page = await http.get(f"/q/{receipt}")
            form = {"overall_sat": "5", "comment": "ok", "nonce": NONCE.search(page.text).group(1)}
            thanks = await http.post(f"/q/{receipt}", data=form)
            assert THANKS in thanks.text
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text()
    audit = json.dumps(await AuditLog.select(), default=str, ensure_ascii=False)
    assert '"path": "/login"' in log, "the access log was not captured"
    for secret in (DEMO_ADMIN[1], WRONG_PASSWORD, SECRET_KEY, api_key, receipt, session, CLIENT_IP):
        assert secret not in log, f"{secret[:6]}… is in the server log"
        assert secret not in audit, f"{secret[:6]}… is in the audit log"


async def test_a_streamed_body_without_length_is_cut_at_the_limit(live_server: LiveServer):
    async def endless():
        for _ in range(64):
            yield b"[" * 4096

    async with httpx.AsyncClient(base_url=live_server.deployment.base_url) as http:
        response = await http.post("/api/v1/responses", content=endless(), headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert (await http.get("/healthz")).status_code == 200


async def test_sigterm_lets_submissions_in_flight_finish_and_exits_cleanly(live_server: LiveServer):
    settings = live_server.deployment.settings
    tokens = await counter_tokens(settings)
    baseline = await max_response_id(settings)
    ledger, traffic = Ledger(), Traffic()
    answered_after_sigterm = 0
    terminated = asyncio.Event()

    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=IN_FLIGHT)) as http:
        citizens = Citizens(http, live_server.deployment.base_url, tokens, ledger, traffic, deadline=float("inf"))

        async def citizen() -> None:
            # Submits one after another until the signal, so submissions are always in flight when it comes
            # (a single wave could be stored in one batch and answered before the signal is sent).
            nonlocal answered_after_sigterm
            while not terminated.is_set():
                body, nonce = citizens.api_submission()
                try:
                    response = await http.post(f"{citizens.base_url}/api/v1/responses", json=body)
                except httpx.TransportError:
                    return  # refused once the server stopped accepting: not acknowledged, may be sent again
                if response.status_code == 201:
                    ledger.acknowledge(nonce)
                    answered_after_sigterm += terminated.is_set()
                else:
                    traffic.outcomes[str(response.status_code)] += 1

        submissions = [asyncio.create_task(citizen()) for _ in range(IN_FLIGHT)]
        # Steady traffic first: every connection has had an answer.
        while len(ledger.acknowledged) < IN_FLIGHT:
            await asyncio.sleep(0.005)
        live_server.process.send_signal(signal.SIGTERM)
        terminated.set()
        await asyncio.gather(*submissions)
        status = live_server.process.wait(timeout=30)

    result = await reconcile(settings, ledger, baseline)
    log = live_server.log_path.read_text()
    assert status in (0, -signal.SIGTERM)
    assert answered_after_sigterm > 0, "no request was still in flight at SIGTERM"
    assert dict(traffic.outcomes) == {}, "requests in flight got an error instead of their answer"
    assert result.problems == []
    assert "Traceback" not in log and '"level": "error"' not in log
