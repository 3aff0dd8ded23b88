"""Request heads are bounded by the server itself: size (431) and the time they take to arrive (408)."""

from __future__ import annotations

import asyncio
import time

from survey.system.protocol import HEAD_TIMEOUT_S, MAX_HEAD_BYTES
from tests.reliability.server import LiveServer


async def _exchange(port: int, head: bytes, pause_s: float = 0.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        if pause_s:
            await asyncio.sleep(pause_s)
        return await asyncio.wait_for(reader.read(), timeout=HEAD_TIMEOUT_S + 20)
    finally:
        writer.close()


async def test_an_oversized_header_is_refused_and_the_connection_closed(live_server: LiveServer):
    port = live_server.deployment.port
    for size in (2 * MAX_HEAD_BYTES, 100 * MAX_HEAD_BYTES):
        huge = b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: " + b"a" * size + b"\r\n\r\n"
        try:
            answer = await _exchange(port, huge)
        except ConnectionResetError:
            # Closed with the rest of the head unread: the kernel resets rather than delivering the 431.
            assert size > 2 * MAX_HEAD_BYTES
            continue
        assert answer.startswith(b"HTTP/1.1 431"), answer[:80]
    normal = await _exchange(port, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    assert normal.startswith(b"HTTP/1.1 200")


async def test_slow_headers_and_idle_connections_are_closed(live_server: LiveServer):
    port = live_server.deployment.port
    started = time.monotonic()
    slow, idle = await asyncio.gather(
        _exchange(port, b"GET /healthz HTTP/1.1\r\nhost: x\r\n"),  # never finishes its head
        _exchange(port, b""),  # opens and says nothing
    )
    elapsed = time.monotonic() - started
    assert slow.startswith(b"HTTP/1.1 408") and idle.startswith(b"HTTP/1.1 408")
    assert HEAD_TIMEOUT_S - 1 < elapsed < HEAD_TIMEOUT_S + 10


async def test_a_request_taking_longer_than_the_head_timeout_is_not_cut(live_server: LiveServer):
    """The deadline covers the head only: a slow body upload within the body limit still gets its answer."""
    port = live_server.deployment.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = b'{"token": "x", "answers": {}, "idempotency_key": "0f3c9a7d51e2b8460f3c9a7d51e2b846"}'
    writer.write(b"POST /api/v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                 b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
    await writer.drain()
    await asyncio.sleep(HEAD_TIMEOUT_S + 2)
    writer.write(body[10:])
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=20)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 4") and not answer.startswith(b"HTTP/1.1 408"), answer[:80]
