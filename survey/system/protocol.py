"""The HTTP protocol ``survey serve`` runs: uvicorn's httptools protocol with limits on each request's head.

Uvicorn bounds neither: a client could send three 100 MB headers (the server grew by 578 MB and answered 200)
or open connections and send their headers one byte at a time forever (1,500 such connections were never
closed). Here every request head (request line and headers) must arrive within ``HEAD_TIMEOUT_S`` of the
connection opening or of the previous response, and be at most ``MAX_HEAD_BYTES``; otherwise the connection
is answered 408 or 431 and closed. Bodies have their own limit in the application (413).
"""

from __future__ import annotations

import asyncio

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 32 * 1024
HEAD_TIMEOUT_S = 10.0


def _refusal(status: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class BoundedHeadProtocol(HttpToolsProtocol):
    head_open = False
    head_bytes = 0
    head_parsed = 0
    head_too_large = False
    head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def _await_head(self) -> None:
        self._head_done()
        self.head_open, self.head_bytes, self.head_parsed, self.head_too_large = True, 0, 0, False
        self.head_deadline = self.loop.call_later(HEAD_TIMEOUT_S, self._refuse, b"408 Request Timeout")

    def _head_done(self) -> None:
        self.head_open = False
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _refuse(self, status: bytes) -> None:
        self._head_done()
        if not self.transport.is_closing():
            self.transport.write(_refusal(status))
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.head_open:
            self.head_bytes += len(data)
        super().data_received(data)
        # Still in the head after this chunk (a chunk that completes it may carry body bytes too).
        if self.head_open and self.head_bytes > MAX_HEAD_BYTES:
            self._refuse(b"431 Request Header Fields Too Large")

    def on_url(self, url: bytes) -> None:
        self._parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _parsed(self, size: int) -> None:
        # A head completed within one chunk is measured as it is parsed.
        self.head_parsed += size
        if self.head_parsed > MAX_HEAD_BYTES:
            self.head_too_large = True
            raise httptools.HttpParserError("request head too large")

    def send_400_response(self, msg: str) -> None:
        if self.head_too_large:
            self._refuse(b"431 Request Header Fields Too Large")
        else:
            super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        self._head_done()
        super().on_headers_complete()

    body_pending = False

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # the next request's head has already arrived
        # Answered before its body was all read (a 413): the rest of that body is not a head; wait for it.
        self.body_pending = self.cycle is not None and self.cycle.more_body
        super().on_response_complete()
        if not self.transport.is_closing() and not pipelined and not self.body_pending:
            self._await_head()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self.body_pending and not self.transport.is_closing():
            self.body_pending = False
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_done()
        super().connection_lost(exc)
