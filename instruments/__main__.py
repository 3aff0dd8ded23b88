"""`python -m instruments check [PATH]` and `python -m instruments lock [PATH]`."""

from __future__ import annotations

import argparse
import sys

from instruments.checks import DEFAULT_DEFINITIONS, inspect_definitions
from instruments.problems import InstrumentDefinitionError
from instruments.registry import lock_published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instruments", description="Check or lock instrument definitions.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, purpose in (
        ("check", "print every problem in the definitions; exit 1 if there is any"),
        ("lock", "add newly published versions to the lock file"),
    ):
        command = commands.add_parser(name, help=purpose)
        command.add_argument("path", nargs="?", default=str(DEFAULT_DEFINITIONS), help="definitions folder")
    args = parser.parse_args(argv)
    if args.command == "check":
        found = inspect_definitions(args.path)
        for problem in found.problems:
            print(problem)
        published = sum(instrument.published for instrument in found.instruments)
        print(f"{len(found.problems)} problem(s); {len(found.instruments)} version(s), {published} published")
        return 1 if found.problems else 0
    try:
        added = lock_published(args.path)
    except InstrumentDefinitionError as error:
        print(error, file=sys.stderr)
        return 1
    for key, version in added:
        print(f"locked {key} version {version}")
    if not added:
        print("nothing new to lock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
