"""Which Accept-Encoding values admit gzip, and which responses the page compression leaves alone."""

from __future__ import annotations

import gzip

import pytest
from litestar import Litestar, get
from litestar.response import Response, Stream
from litestar.testing import TestClient

from survey.compression import PageCompression, accepts_gzip


@pytest.mark.parametrize("header, accepted", [
    ("gzip", True),
    ("gzip, deflate, br, zstd", True),
    ("GZIP", True),
    ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
    ("*", True),
    ("br, *;q=0.1", True),
    ("", False),
    ("identity", False),
    ("br, deflate", False),
    ("gzip;q=0", False),
    ("gzip;q=0.000", False),
    ("gzip;q=0, *", False),
    ("*;q=0", False),
    ("gzip;q=not-a-number", False),
    ("x-gzip", False),
])
def test_accepts_gzip(header: str, accepted: bool):
    assert accepts_gzip(header) is accepted


def test_streamed_already_encoded_and_small_bodies_pass_untouched():
    page = "Cảm ơn Ông/Bà. " * 200
    # Compressed, still over the 1 KB the middleware starts compressing at.
    varied = " ".join(str(n * 7919 % 100_003) for n in range(2_000))

    @get("/page", media_type="text/html")
    async def whole() -> str:
        return page

    @get("/streamed", media_type="text/html")
    async def streamed() -> Stream:
        return Stream(iter([page.encode(), page.encode()]))

    @get("/encoded", media_type="text/html")
    async def encoded() -> Response:
        return Response(gzip.compress(varied.encode()), headers={"Content-Encoding": "gzip"})

    @get("/small", media_type="text/html")
    async def small() -> str:
        return "Cảm ơn"

    @get("/officer/page", media_type="text/html")
    async def officer() -> str:
        return page

    app = Litestar([whole, streamed, encoded, small, officer], middleware=[PageCompression()])
    with TestClient(app) as client:
        def fetch(path: str):
            return client.get(path, headers={"accept-encoding": "gzip"})

        whole_page = fetch("/page")
        assert whole_page.headers["content-encoding"] == "gzip" and whole_page.text == page
        assert whole_page.num_bytes_downloaded < len(page.encode()) / 10
        assert len(gzip.compress(varied.encode())) > 1024
        for path, text in (("/streamed", page * 2), ("/encoded", varied)):
            response = fetch(path)  # decoded once by the client: compressed twice would not read back
            assert response.text == text, path
            assert response.headers.get("content-encoding") == ("gzip" if path == "/encoded" else None), path
        for path in ("/small", "/officer/page"):
            assert "content-encoding" not in fetch(path).headers, path
        assert "content-encoding" not in client.get("/page", headers={"accept-encoding": "identity"}).headers
