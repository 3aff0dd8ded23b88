"""Helpers shared by the test packages (and the benchmarks): a live ``survey serve`` on a free port, and a
headless Chromium with a folder for its screenshots.

Standard library only, so that ``benchmarks/`` can import it without the test extras installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("SURVEY_TEST_CHROMIUM", "")
"""The Chromium executable the browser tests drive; they skip when it is not set."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
"""Chromium's command-line switches for a headless run in a container, with no calls home."""


def idempotency_key(label: str) -> str:
    """A random-looking idempotency key (32 hex digits, as the JSON API requires) that ``label`` always gives."""
    import hashlib

    return hashlib.sha256(label.encode()).hexdigest()[:32]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(base_url: str, process, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"survey serve exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("survey serve did not become healthy in time")


@contextmanager
def survey_serve(log_path: Path, *options: str) -> Iterator[str]:
    """``survey serve`` in a subprocess on a free port, with this process's environment (so on the test's
    database) and ``options`` added to its command line; yields its base URL, terminates it on exit."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SURVEY_BASE_URL": base_url, "SURVEY_LOG_FORMAT": "text"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "survey.cli", "serve", "--port", str(port), *options],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(base_url, process)
            yield base_url
        finally:
            process.terminate()
            process.wait(timeout=15)


def launch_chromium(playwright):
    """The headless Chromium named by SURVEY_TEST_CHROMIUM, from a ``sync_playwright()`` handle."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def artifact(name: str) -> Path | None:
    """Where to save a screenshot or download named ``name``: in SURVEY_TEST_ARTIFACTS, or nowhere if unset."""
    folder = os.environ.get("SURVEY_TEST_ARTIFACTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) / name


async def recount_rollup() -> None:
    """For tests that write response rows directly rather than through the application: recount the reports'
    rollup from the rows, as ``survey rollup rebuild`` does."""
    from survey.rollup.maintain import rebuild
    from survey.settings import get_settings

    await rebuild(get_settings().timezone)
