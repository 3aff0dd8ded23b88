"""A SQLite query's all-integer result read by a process of its own and handed over batch by batch.

Turning millions of SQLite rows into Python tuples and then numpy arrays is the largest single cost of an
export, and it holds the GIL: a reading thread beside the thread that codes and writes the rows makes both
slower. A separate process (``python -m survey.db.sqlite_reader``, the query as JSON on its standard
input) reads on the other core and writes each batch to its standard output as a row count followed by the
raw int64 matrix. This module imports only what that process needs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import struct
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

HEADER = struct.Struct("<q")  # rows in the batch that follows; 0 ends the result


def _serve() -> None:
    request = json.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    try:
        with closing(sqlite3.connect(request["path"])) as connection:
            cursor = connection.execute(request["query"], request["args"])
            while rows := cursor.fetchmany(request["size"]):
                matrix = np.array(rows, dtype="<i8")
                out.write(HEADER.pack(len(matrix)) + matrix.tobytes())
                out.flush()
        out.write(HEADER.pack(0))
        out.flush()
    except BrokenPipeError:
        pass  # the export stopped reading


class ProcessReader:
    """The batches of one query: ``next()`` gives the next int64 matrix of ``width`` columns, None at the end.
    The pipe holds little, so the process stays about one batch ahead and memory stays flat."""

    def __init__(self, path: str, query: str, args: Sequence[object], size: int, width: int) -> None:
        self._request = json.dumps({"path": path, "query": query, "args": list(args), "size": size}).encode()
        self._width = width
        self._process: asyncio.subprocess.Process | None = None

    async def _start(self) -> asyncio.subprocess.Process:
        # The folder holding this package first on the path, whatever the caller's working directory.
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, limit=2 ** 24, env={**os.environ, "PYTHONPATH": path})
        process.stdin.write(self._request)
        process.stdin.close()
        return process

    async def next(self) -> np.ndarray | None:
        if self._process is None:
            self._process = await self._start()
        try:
            (rows,) = HEADER.unpack(await self._process.stdout.readexactly(HEADER.size))
            if not rows:
                return None
            data = await self._process.stdout.readexactly(rows * self._width * 8)
        except asyncio.IncompleteReadError:
            error = (await self._process.stderr.read()).decode(errors="replace").strip().splitlines()
            raise RuntimeError("reading the responses failed: " + (error[-1] if error else "the reader stopped")) from None
        return np.frombuffer(bytearray(data), dtype="<i8").reshape(rows, self._width)

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


if __name__ == "__main__":
    _serve()
