"""The committed lock of published versions: a published instrument may never change."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from instruments.model import Instrument
from instruments.problems import Problem
from instruments.yaml_source import read_yaml

LOCK_FILE_NAME = "published.lock.yaml"
_HEADER = (
    "# Published instrument versions and the fingerprints of their content.\n"
    "# A published version is immutable: to change it, add a new version file.\n"
    "# Add entries with `python -m instruments lock`; never edit or remove one.\n"
)

Lock = dict[tuple[str, int], str]
NOT_LOCKED = "published but not in the lock; run `python -m instruments lock`"


def read_lock(root: Path) -> tuple[Lock, list[Problem]]:
    path = root / LOCK_FILE_NAME
    if not path.exists():
        return {}, []
    try:
        data = read_yaml(path)
    except ValueError as error:
        return {}, [Problem(LOCK_FILE_NAME, "", str(error))]
    if data is None:
        return {}, []
    if not isinstance(data, list):
        return {}, [Problem(LOCK_FILE_NAME, "", "expected a list of {key, version, fingerprint} entries")]
    lock: Lock = {}
    problems: list[Problem] = []
    for position, entry in enumerate(data):
        where = f"[{position}]"
        if not isinstance(entry, dict) or set(entry) != {"key", "version", "fingerprint"}:
            problems.append(Problem(LOCK_FILE_NAME, where, "expected exactly key, version and fingerprint"))
            continue
        if not (isinstance(entry["key"], str) and type(entry["version"]) is int and isinstance(entry["fingerprint"], str)):
            problems.append(Problem(LOCK_FILE_NAME, where, "key and fingerprint are text, version a whole number"))
            continue
        name = (entry["key"], entry["version"])
        if name in lock:
            problems.append(Problem(LOCK_FILE_NAME, where, f"{name[0]} version {name[1]} is locked twice"))
        lock[name] = entry["fingerprint"]
    return lock, problems


def lock_problems(instruments: Iterable[Instrument], lock: Lock, file_of: dict[tuple[str, int], str]) -> list[Problem]:
    problems: list[Problem] = []
    present = set()
    for instrument in instruments:
        name = (instrument.key, instrument.version)
        present.add(name)
        locked = lock.get(name)
        file = file_of[name]
        if locked is not None and not instrument.published:
            problems.append(Problem(file, "status", "this version is published (locked) and cannot return to draft"))
        elif locked is not None and locked != instrument.fingerprint():
            problems.append(
                Problem(
                    file,
                    "",
                    f"published content changed (fingerprint {instrument.fingerprint()}, locked {locked}); "
                    "a published version is immutable: put the edit in a new version",
                )
            )
        elif locked is None and instrument.published:
            problems.append(Problem(file, "", NOT_LOCKED))
    for key, version in sorted(set(lock) - present, key=str):
        problems.append(Problem(LOCK_FILE_NAME, "", f"{key} version {version} is locked but its file is missing or invalid"))
    return problems


def write_lock(root: Path, lock: Lock) -> None:
    entries = [
        {"key": key, "version": version, "fingerprint": fingerprint}
        for (key, version), fingerprint in sorted(lock.items())
    ]
    body = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    (root / LOCK_FILE_NAME).write_text(_HEADER + body, encoding="utf-8")
