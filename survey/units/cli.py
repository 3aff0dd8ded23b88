"""``survey units|counters|procedures|volumes import FILE.csv``."""

from __future__ import annotations

import argparse
from pathlib import Path

from survey.csvimport import read_text
from survey.db.runner import run_with_database
from survey.settings import Settings
from survey.units import services

IMPORTS = {
    "units": (services.import_units, "code,name,level,parent_code", "units of the administrative tree"),
    "counters": (services.import_counters, "code,name,unit_code,instrument_key", "counters (service points)"),
    "procedures": (services.import_procedures, "code,name,field", "administrative procedures"),
    "volumes": (services.import_volumes, "unit_code,period,dossiers (optional column portal_not_satisfied: "
                "dossiers rated not satisfied or complained about on the public service portal, Decision 766)",
                "dossier volumes per unit and month"),
}


def import_command(args: argparse.Namespace, settings: Settings) -> None:

    importer = IMPORTS[args.command][0]
    text = read_text(Path(args.file))

    async def run() -> None:
        print(f"{args.command}: {await importer(text)}")

    run_with_database(run, settings, migrate=True)


def register(commands: argparse._SubParsersAction) -> None:
    for name, (_importer, header, what) in IMPORTS.items():
        group = commands.add_parser(name, help=f"import {what}", description=f"Manage {what}.")
        sub = group.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)
        action = sub.add_parser(
            "import",
            help=f"import {what} from CSV",
            description=f"Import {what} from a UTF-8 CSV file with the header {header}. Every row is checked "
            "first; if any row is wrong, every problem is listed with its row number and nothing is imported.",
        )
        action.add_argument("file", metavar="FILE.csv")
        action.set_defaults(handler=import_command)
