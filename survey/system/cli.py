"""``survey serve``."""

from __future__ import annotations

import argparse
import os

from survey.db.runner import run_with_database
from survey.settings import Settings


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=positive_int, default=1, help="worker processes (default 1)")


def serve(host: str, port: int, workers: int, settings: Settings) -> None:
    """Migrate once in this process, then start uvicorn; workers skip migrating so they never race."""
    import uvicorn

    from survey.system.protocol import BoundedHeadProtocol

    async def nothing() -> None:
        return None

    run_with_database(nothing, settings, migrate=True)
    os.environ["SURVEY_AUTO_MIGRATE"] = "0"
    uvicorn.run(
        "survey.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # Limits on each request's head (size, time to arrive): see survey.system.protocol.
        http=BoundedHeadProtocol,
        timeout_graceful_shutdown=10,
    )


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("serve", help="run the web server", description="Run the web server.")
    add_server_options(parser)
    parser.set_defaults(handler=lambda args, settings: serve(args.host, args.port, args.workers, settings))
