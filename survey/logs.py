"""Structured logging: one JSON object per line (or plain text for people reading a terminal)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Attributes every LogRecord has; anything else was passed in ``extra=`` and belongs in the JSON object.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


QUIET_DRIVERS = ("aiosqlite", "asyncpg")


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Database drivers log each statement with its parameters (session ids, password hashes) at DEBUG:
    # they stay at WARNING whatever level the operator asks for.
    for driver in QUIET_DRIVERS:
        logging.getLogger(driver).setLevel(logging.WARNING)


access_log = logging.getLogger("survey.access")
SURVEY_PREFIX = "/q/"


def loggable_path(path: str) -> str:
    """``path`` without a survey token: a receipt token read from a log would answer that dossier's survey."""
    return SURVEY_PREFIX + "<token>" if path.startswith(SURVEY_PREFIX) else path


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    """Log method, path, status and duration of every HTTP request; never query strings, bodies or tokens."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        # At WARNING (the usual setting under load) the log line would be dropped: skip timing and wrapping.
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": loggable_path(scope["path"]),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    return middleware
