"""Which Accept-Encoding values admit gzip."""

from __future__ import annotations

import pytest

from survey.compression import accepts_gzip


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
