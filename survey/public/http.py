"""HTTP caching of the public pages: one computed body per key (with its gzip form), an ETag, a
Last-Modified, ``Cache-Control``, and 304 to a conditional request that still holds the current copy."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from litestar import Request, Response

from survey.compression import accepts_gzip, compress

CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str  # the quoted strong tag of the uncompressed body
    modified: datetime  # whole seconds, UTC
    language: str
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, body: bytes, media_type: str, language: str, headers: tuple[tuple[str, str], ...] = ()) -> Page:
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return cls(body, compress(body), media_type, tag, datetime.now(UTC).replace(microsecond=0), language,
                   headers)


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def not_modified(request: Request, page: Page) -> bool:
    """RFC 9110: If-None-Match decides when present (any form of our tag, or ``*``); else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or page.etag in tags or page.etag[:-1] + '-gzip"' in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return page.modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def respond(request: Request, page: Page) -> Response:
    gzip = accepts_gzip(request.headers.get("accept-encoding", ""))
    # The gzip form is another representation of the same content: a tag of its own (RFC 9110 8.8.3).
    tag = page.etag[:-1] + '-gzip"' if gzip else page.etag
    headers = {"ETag": tag, "Last-Modified": format_datetime(page.modified, usegmt=True),
               "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding", "Content-Language": page.language,
               **dict(page.headers)}
    if not_modified(request, page):
        return Response(b"", status_code=304, headers=headers, media_type=page.media_type)
    if gzip:
        headers["Content-Encoding"] = "gzip"
    return Response(page.gzipped if gzip else page.body, headers=headers, media_type=page.media_type)
