"""The ``survey`` command.

Each area adds its own sub-commands through a ``register(subparsers)`` function; this module only
assembles them, reads the settings once and passes them to the command, and turns expected failures into
a one-line message and exit status 2. A command's handler is ``handler(args, settings)``.

Expected failures are ``CommandError`` and the domain errors that only ever mean "you asked for something
that cannot be done" (each a class of its own). Any other exception is a bug and keeps its traceback: a
bare ValueError is not caught here, a command marks the calls whose ValueError is the user's (see
``survey.core.errors.expected``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from survey.accounts.services import AccountError
from survey.core import i18n
from survey.core.errors import CommandError
from survey.csvimport import ImportRejected
from survey.db.backup import BackupError
from survey.db.migrate import MigrationError
from survey.settings import SettingsError, get_settings

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    CommandError,
    AccountError,
    BackupError,
    ImportRejected,
    MigrationError,
    SettingsError,
)


def build_parser() -> argparse.ArgumentParser:
    from survey.accounts import cli as accounts_cli
    from survey.alerts import cli as alerts_cli
    from survey.db import cli as db_cli
    from survey.demo import cli as demo_cli
    from survey.exports import cli as exports_cli
    from survey.jobs import cli as jobs_cli
    from survey.public import cli as public_cli
    from survey.qr import cli as qr_cli
    from survey.receipts import cli as receipts_cli
    from survey.reports import cli as reports_cli
    from survey.rollup import cli as rollup_cli
    from survey.system import cli as system_cli
    from survey.units import cli as units_cli

    parser = argparse.ArgumentParser(
        prog="survey",
        description="Citizen satisfaction surveys and SIPAS satisfaction indices. "
        "Configuration comes from environment variables (see README).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (system_cli, demo_cli, db_cli, accounts_cli, units_cli, reports_cli, exports_cli, qr_cli, receipts_cli,
                   jobs_cli, alerts_cli, public_cli, rollup_cli):
        module.register(commands)
    return parser


# Files and folders this process creates (database, WAL, backups, exports, keys) are its own: 0600 and 0700.
PRIVATE_UMASK = 0o077


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(PRIVATE_UMASK)
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        i18n.activate(settings.language)  # messages in the deployment's language, as on its pages
        result = args.handler(args, settings)
    except EXPECTED_ERRORS as exc:
        print(f"survey {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
