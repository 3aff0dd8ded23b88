"""Simulated citizens: the survey page (GET, read the nonce, POST) and the JSON API with idempotency keys.

They behave like phones on a poor network: they double-tap, give up on a request half way and send it again,
and retry after a 503 or a refused connection, always with the same nonce or idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from survey.citizen.api import api_nonce
from tests.reliability.ledger import Ledger
from tests.reliability.server import SECRET_KEY

NONCE = re.compile(r'name="nonce" value="([A-Za-z0-9_-]+)"')
THANKS = "Cảm ơn Ông/Bà đã đánh giá!"
ELEMENTS = ("access_sat", "procedures_sat", "civil_servant_sat", "results_sat", "feedback_sat")
COMMENTS = ("Cán bộ nhiệt tình, chu đáo", "Phải chờ hơi lâu", "Quầy sạch sẽ, có chỗ ngồi <b>tốt</b>")
RETRYABLE = {502, 503, 504}


class GaveUp(Exception):
    """The server did not acknowledge before the client's deadline."""


@dataclass
class Traffic:
    """Latency and outcome of every HTTP exchange; abandoned requests are counted apart, not as errors."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    # Replays of an acknowledged JSON submission that the server did not recognise as replays.
    unrecognised_replays: int = 0

    def record(self, started: float, outcome: str) -> None:
        self.latencies.append(time.perf_counter() - started)
        self.outcomes[outcome] += 1

    @property
    def requests(self) -> int:
        return sum(count for outcome, count in self.outcomes.items() if outcome != "abandoned")

    @property
    def errors(self) -> int:
        return sum(count for outcome, count in self.outcomes.items()
                   if outcome.startswith(("transport", "5")))


def random_answers(rng: random.Random) -> dict[str, str]:
    answers = {code: str(rng.randint(1, 5)) if rng.random() < 0.9 else "" for code in ELEMENTS}
    answers["overall_sat"] = str(rng.randint(1, 5))
    answers["comment"] = rng.choice(COMMENTS) if rng.random() < 0.2 else ""
    return answers


def answered(answers: dict[str, str]) -> int:
    return sum(1 for value in answers.values() if value != "")


@dataclass
class Citizens:
    http: httpx.AsyncClient
    base_url: str
    tokens: list[str]
    ledger: Ledger
    traffic: Traffic
    deadline: float
    rng: random.Random = field(default_factory=random.Random)
    max_pause_s: float = 1.0

    async def _send(self, method: str, url: str, **kwargs) -> httpx.Response | None:
        """One exchange; None when the connection failed (refused, reset, timed out)."""
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.TransportError as failure:
            self.traffic.record(started, f"transport:{type(failure).__name__}")
            return None
        self.traffic.record(started, str(response.status_code))
        return response

    async def _pause(self, response: httpx.Response | None) -> None:
        wait = 0.2
        if response is not None and response.headers.get("retry-after", "").isdigit():
            wait = int(response.headers["retry-after"])
        await asyncio.sleep(min(wait, self.max_pause_s) * (0.5 + self.rng.random()))

    async def _until_answered(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send until the server answers with something other than busy or down, or the deadline passes."""
        while time.monotonic() < self.deadline:
            response = await self._send(method, url, **kwargs)
            if response is not None and response.status_code not in RETRYABLE:
                return response
            await self._pause(response)
        raise GaveUp(url)

    async def _abandon(self, method: str, url: str, **kwargs) -> None:
        """Start a request and drop it a moment later, as a phone losing signal does."""
        started = time.perf_counter()
        # On a connection of its own: a request cancelled half way can leave a pooled connection unusable
        # on the client side, which would show up as the server's fault.
        async with httpx.AsyncClient() as phone:
            with contextlib.suppress(TimeoutError, httpx.TransportError):
                await asyncio.wait_for(phone.request(method, url, **kwargs), timeout=self.rng.uniform(0.0, 0.05))
        self.traffic.record(started, "abandoned")

    async def by_page(self) -> bool:
        """One citizen through the survey page; whether the thank-you page came back."""
        url = f"{self.base_url}/q/{self.rng.choice(self.tokens)}"
        page = await self._until_answered("GET", url)
        match = NONCE.search(page.text)
        if page.status_code != 200 or not match:
            return False
        answers = random_answers(self.rng)
        form = {**answers, "nonce": match.group(1)}
        self.ledger.attempt(form["nonce"], answered(answers))
        roll = self.rng.random()
        if roll < 0.1:
            await self._abandon("POST", url, data=form)
        if roll > 0.9:
            # Double tap: the same form twice at once.
            first, second = await asyncio.gather(self._until_answered("POST", url, data=form),
                                                 self._until_answered("POST", url, data=form))
            done = [r for r in (first, second) if r.status_code == 200 and THANKS in r.text]
        else:
            response = await self._until_answered("POST", url, data=form)
            done = [response] if response.status_code == 200 and THANKS in response.text else []
        if done:
            self.ledger.acknowledge(form["nonce"])
        return bool(done)

    def api_submission(self) -> tuple[dict, str]:
        """A JSON body with a fresh idempotency key, already entered in the ledger; and its nonce."""
        token = self.rng.choice(self.tokens)
        answers = {code: int(value) for code, value in random_answers(self.rng).items() if value and code != "comment"}
        body = {"token": token, "answers": answers, "idempotency_key": f"load-{uuid.uuid4().hex}", "channel": "kiosk"}
        nonce = api_nonce(SECRET_KEY, token, body["idempotency_key"])
        self.ledger.attempt(nonce, len(answers))
        return body, nonce

    async def by_api(self, body: dict | None = None, nonce: str | None = None) -> bool:
        """One JSON submission (a new one unless given), retried with the same key until acknowledged."""
        if body is None or nonce is None:
            body, nonce = self.api_submission()
        url = f"{self.base_url}/api/v1/responses"
        if self.rng.random() < 0.1:
            await self._abandon("POST", url, json=body)
        response = await self._until_answered("POST", url, json=body)
        if response.status_code != 201:
            return False
        self.ledger.acknowledge(nonce)
        if self.rng.random() < 0.1:
            # A kiosk that did not see the answer sends it again: the server must say it already has it.
            again = await self._until_answered("POST", url, json=body)
            if again.status_code != 201 or again.headers.get("idempotent-replayed") != "true":
                self.traffic.unrecognised_replays += 1
        return True
