"""The failure a command expects, as opposed to a bug.

``survey`` prints a ``CommandError`` as one line and exits with status 2; anything else is a bug and keeps
its traceback. Services raise their own errors; a command turns the ones its user can cause into a
``CommandError`` at the call that can raise them, with ``expected``, so a ValueError from a bug elsewhere is
never mistaken for bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class CommandError(Exception):
    """An expected failure of a command: bad input, a missing file, a refused change."""


@contextmanager
def expected(*errors: type[BaseException]) -> Iterator[None]:
    """Inside the block, ``errors`` are expected failures: they become a CommandError with their message."""
    try:
        yield
    except errors as failure:
        raise CommandError(str(failure.args[0]) if isinstance(failure, LookupError) and failure.args
                           else str(failure)) from failure
