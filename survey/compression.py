"""Gzip for the pages citizens load over slow mobile networks.

litestar's compression middleware opens a streaming ``GzipFile`` (a fresh deflate state) for every response:
measured, that cost a submission more CPU than storing it (0.10-0.15 ms of 0.3). Citizen pages are one body
each, so here a body is compressed in one call; a response that arrives already encoded (the thank-you page,
compressed once per process) passes untouched, and streamed responses pass uncompressed.

Officer pages stay uncompressed: they reflect parameters beside CSRF tokens, and a compressed length would
give BREACH-style attacks something to read.
"""

from __future__ import annotations

import functools
import gzip
import re

from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

LEVEL = 6
MINIMUM_SIZE = 1024
UNCOMPRESSED_PATHS = re.compile("/officer|/login|/logout|/api/|/schema|/healthz|/static/")


# Browsers send a handful of distinct values, each on every request.
@functools.lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header value admits gzip, by name or through ``*`` (``gzip;q=0`` refuses)."""
    qualities: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, *parameters = (piece.strip() for piece in part.split(";"))
        quality = next((parameter[2:] for parameter in parameters if parameter.startswith("q=")), "1")
        try:
            qualities[coding] = float(quality)
        except ValueError:
            qualities[coding] = 0.0
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def compress(body: bytes) -> bytes:
    # mtime=0: the same page compresses to the same bytes.
    return gzip.compress(body, LEVEL, mtime=0)


# The headers of a body this module compressed, or that a handler sends compressed already.
ENCODED = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}


def mark_encoded(headers: MutableScopeHeaders, length: int) -> None:
    headers["Content-Encoding"] = ENCODED["Content-Encoding"]
    headers["Content-Length"] = str(length)
    headers.extend_header_value("Vary", ENCODED["Vary"])


class PageCompression(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    # Matched on the request's path (litestar's exclude_path_pattern would soon match the route's instead).
    should_bypass_for_scope = staticmethod(lambda scope: UNCOMPRESSED_PATHS.match(scope["path"]) is not None)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not accepts_gzip(Headers.from_scope(scope).get("accept-encoding", "")):
            await next_app(scope, receive, send)
            return
        start: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is not None and message["type"] == "http.response.body":
                head, start = start, None
                headers = MutableScopeHeaders(head)
                body = message.get("body", b"")
                if not message.get("more_body") and len(body) >= MINIMUM_SIZE and "content-encoding" not in headers:
                    message = {**message, "body": compress(body)}
                    mark_encoded(headers, len(message["body"]))
                await send(head)
            await send(message)

        await next_app(scope, receive, send_compressed)
