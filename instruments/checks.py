"""Checking a definitions folder: every file's schema, its name, the lock, and compatibility across versions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from instruments.index_definition import IndexDefinition
from instruments.items import Item
from instruments.lock import LOCK_FILE_NAME, Lock, lock_problems, read_lock
from instruments.model import Instrument
from instruments.problems import Problem
from instruments.schema import parse_instrument
from instruments.yaml_source import read_yaml

DEFAULT_DEFINITIONS = Path(__file__).parent / "definitions"
_VERSION_FILE = re.compile(r"([1-9][0-9]{0,5})\.yaml")
# Documentation and Python's caches may sit beside the definitions.
_NOT_DEFINITIONS = re.compile(r"(.*\.md|__pycache__|__init__\.py|\..*)")


@dataclass
class DefinitionSet:
    instruments: list[Instrument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lock: Lock = field(default_factory=dict)


def _read_file(path: Path, label: str, problems: list[Problem]) -> Instrument | None:
    try:
        data = read_yaml(path)
    except (ValueError, OSError) as error:
        problems.append(Problem(label, "", str(error)))
        return None
    instrument, found = parse_instrument(data, label, source=str(path))
    problems.extend(found)
    if instrument is None:
        return None
    key_folder, version_stem = label.split("/")[0], label.split("/")[1].removesuffix(".yaml")
    if instrument.key != key_folder:
        problems.append(Problem(label, "key", f"key '{instrument.key}' does not match its folder '{key_folder}'"))
    if str(instrument.version) != version_stem:
        problems.append(Problem(label, "version", f"version {instrument.version} does not match the file name"))
    return instrument


def _answer_meaning(item: Item) -> str:
    if item.type == "choice":
        return f"type 'choice' with option codes {list(item.option_codes())}"
    return f"type '{item.type}'"


def compatibility_problems(instruments: Iterable[Instrument], file_of: dict[tuple[str, int], str]) -> list[Problem]:
    """An item code keeps the meaning of its stored answers in every version of an instrument."""
    problems: list[Problem] = []
    by_key: dict[str, list[Instrument]] = {}
    for instrument in instruments:
        by_key.setdefault(instrument.key, []).append(instrument)
    for versions in by_key.values():
        last_seen: dict[str, tuple[Item, int]] = {}
        for instrument in sorted(versions, key=lambda candidate: candidate.version):
            for position, item in enumerate(instrument.items):
                earlier = last_seen.get(item.code)
                if earlier is not None and _answer_meaning(earlier[0]) != _answer_meaning(item):
                    problems.append(
                        Problem(
                            file_of[(instrument.key, instrument.version)],
                            f"items[{position}]",
                            f"item code '{item.code}' had {_answer_meaning(earlier[0])} in version {earlier[1]} "
                            f"and has {_answer_meaning(item)} here; stored answers would change meaning, "
                            "so a changed question needs a new item code",
                        )
                    )
            last_seen.update((item.code, (item, instrument.version)) for item in instrument.items)
    return problems


def _pooling_differences(newer: IndexDefinition, older: IndexDefinition) -> list[str]:
    """What keeps two definitions from being pooled although declared comparable: pooled figures need the
    same elements in the same order (the stored ratings are read by position), the same shares of the
    composite, the same satisfied values and the same rule; only the items feeding an element may differ."""
    differences = []
    if [e.key for e in newer.elements] != [e.key for e in older.elements]:
        differences.append("other elements or another element order")
    elif [round(e.weight, 12) for e in newer.elements] != [round(e.weight, 12) for e in older.elements]:
        differences.append("other element weights")
    if newer.satisfied_values != older.satisfied_values:
        differences.append("other satisfied values")
    if (newer.scale_min, newer.scale_max, newer.rule) != (older.scale_min, older.scale_max, older.rule):
        differences.append("another scale or scoring rule")
    if (newer.overall_item is None) != (older.overall_item is None):
        differences.append("an overall item in one version only")
    return differences


def comparability_problems(instruments: Iterable[Instrument], file_of: dict[tuple[str, int], str]) -> list[Problem]:
    """Each version named in `index.comparable_with` exists and can be pooled with the version naming it."""
    problems: list[Problem] = []
    by_name = {(instrument.key, instrument.version): instrument for instrument in instruments}
    for instrument in by_name.values():
        for position, version in enumerate(instrument.index.comparable_with):
            path = f"index.comparable_with[{position}]"
            file = file_of[(instrument.key, instrument.version)]
            older = by_name.get((instrument.key, version))
            if older is None:
                problems.append(Problem(file, path, f"{instrument.key} has no valid version {version}"))
                continue
            differences = _pooling_differences(instrument.index, older.index)
            if differences:
                problems.append(Problem(file, path, f"version {version} cannot be pooled with this one: it has "
                                                    + ", ".join(differences)))
    return problems


def inspect_definitions(root: Path | str | None = None) -> DefinitionSet:
    """Every instrument that parses, and every problem in the folder."""
    root = Path(root) if root is not None else DEFAULT_DEFINITIONS
    result = DefinitionSet()
    if not root.is_dir():
        result.problems.append(Problem(str(root), "", "not a folder of instrument definitions"))
        return result
    file_of: dict[tuple[str, int], str] = {}
    for entry in sorted(root.iterdir()):
        if entry.name == LOCK_FILE_NAME or _NOT_DEFINITIONS.fullmatch(entry.name):
            continue
        if not entry.is_dir():
            result.problems.append(Problem(entry.name, "", "unexpected file; definitions live in <key>/<version>.yaml"))
            continue
        for path in sorted(entry.iterdir()):
            label = f"{entry.name}/{path.name}"
            if _NOT_DEFINITIONS.fullmatch(path.name):
                continue
            if not _VERSION_FILE.fullmatch(path.name):
                result.problems.append(Problem(label, "", "unexpected file; a version file is named <version>.yaml"))
                continue
            instrument = _read_file(path, label, result.problems)
            if instrument is not None:
                result.instruments.append(instrument)
                file_of[(instrument.key, instrument.version)] = label
    result.instruments.sort(key=lambda instrument: (instrument.key, instrument.version))
    result.lock, found = read_lock(root)
    result.problems.extend(found)
    result.problems.extend(lock_problems(result.instruments, result.lock, file_of))
    result.problems.extend(compatibility_problems(result.instruments, file_of))
    result.problems.extend(comparability_problems(result.instruments, file_of))
    return result


def check_definitions(path: Path | str | None = None) -> list[Problem]:
    """Every problem in a definitions folder (the shipped one by default); an empty list means all is well."""
    return inspect_definitions(path).problems
