"""A real HTTP receiver of webhooks, in a thread of the test process, that behaves like a careful production
receiver: it checks the signature, answers 503 to the first ``fail_first`` attempts of each event, and applies
each event once, however many times it is delivered (it remembers the Idempotency-Key)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from survey.webhooks.signing import HEADER, verify


class Receiver:
    def __init__(self, secret: str = "", fail_first: int = 0, stall_once_s: float = 0.0):
        self.secret = secret
        self.fail_first = fail_first
        self.stall_once_s = stall_once_s
        self.lock = threading.Lock()
        self.attempts: Counter[str] = Counter()
        self.applied: dict[str, dict] = {}
        self.duplicates: Counter[str] = Counter()
        self.bad_signatures = 0
        self.stalled: str | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, stall = receiver.handle(body, self.headers)
                if stall:
                    time.sleep(stall)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, body: bytes, headers) -> tuple[int, float]:
        if not verify(self.secret, body, headers.get(HEADER, "")):
            with self.lock:
                self.bad_signatures += 1
            return 401, 0.0
        key = headers["Idempotency-Key"]
        with self.lock:
            self.attempts[key] += 1
            if self.attempts[key] <= self.fail_first:
                return 503, 0.0
            if key in self.applied:
                self.duplicates[key] += 1
                return 200, 0.0
            self.applied[key] = json.loads(body)
            if self.stall_once_s and self.stalled is None:
                # Applied, but the answer never reaches the sender before it is killed: the next delivery
                # of this event is a duplicate the receiver must recognise.
                self.stalled = key
                return 200, self.stall_once_s
        return 200, 0.0

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
