"""The instruments the application may serve: published versions of a clean definitions folder."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

from instruments.checks import DEFAULT_DEFINITIONS, inspect_definitions
from instruments.lock import NOT_LOCKED, write_lock
from instruments.model import Instrument
from instruments.problems import InstrumentDefinitionError


class UnknownInstrument(LookupError):
    pass


class Registry:
    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._versions: dict[str, dict[int, Instrument]] = {}
        for instrument in instruments:
            self._versions.setdefault(instrument.key, {})[instrument.version] = instrument

    def get(self, key: str, version: int | None = None) -> Instrument:
        """The given version, or the latest one when version is None."""
        versions = self._versions.get(key)
        if not versions:
            raise UnknownInstrument(f"no instrument {key!r}")
        if version is None:
            return versions[max(versions)]
        try:
            return versions[version]
        except (KeyError, TypeError):
            raise UnknownInstrument(f"instrument {key!r} has no version {version!r}") from None

    def keys(self) -> tuple[str, ...]:
        return tuple(sorted(self._versions))

    def versions(self, key: str) -> tuple[int, ...]:
        return tuple(sorted(self._versions.get(key, {})))

    def __iter__(self) -> Iterator[Instrument]:
        for key in self.keys():
            yield from (self._versions[key][version] for version in self.versions(key))

    def __len__(self) -> int:
        return sum(len(versions) for versions in self._versions.values())


def load_all(path: Path | str | None = None, *, include_drafts: bool = False) -> Registry:
    """The published versions (and drafts if asked) of a definitions folder; raises on any problem in it."""
    found = inspect_definitions(path)
    if found.problems:
        raise InstrumentDefinitionError(found.problems)
    return Registry(instrument for instrument in found.instruments if include_drafts or instrument.published)


_definitions: Path | None = None


@functools.cache
def registry() -> Registry:
    """The published instruments, loaded once: the shipped ones, or those of the folder `use_definitions` named."""
    return load_all(_definitions)


def use_definitions(path: Path | str | None) -> Registry:
    """Serve the published versions of another definitions folder from now on (None: the shipped one).

    The folder is checked whole first, as at startup: a folder with any problem raises and changes nothing.
    The application serves the shipped folder; this lets a test publish a version in a copy of it.
    """
    global _definitions
    candidate = Path(path) if path is not None else None
    load_all(candidate)
    _definitions = candidate
    registry.cache_clear()
    return registry()


def get(key: str, version: int | None = None) -> Instrument:
    return registry().get(key, version)


def lock_published(path: Path | str | None = None) -> list[tuple[str, int]]:
    """Adds newly published versions to the lock; existing entries are never rewritten."""
    found = inspect_definitions(path)
    unlocked = [
        instrument
        for instrument in found.instruments
        if instrument.published and (instrument.key, instrument.version) not in found.lock
    ]
    blocking = [problem for problem in found.problems if problem.message != NOT_LOCKED]
    if blocking:
        raise InstrumentDefinitionError(blocking)
    lock = dict(found.lock)
    lock.update({(instrument.key, instrument.version): instrument.fingerprint() for instrument in unlocked})
    if unlocked:
        write_lock(Path(path) if path is not None else DEFAULT_DEFINITIONS, lock)
    return [(instrument.key, instrument.version) for instrument in unlocked]
