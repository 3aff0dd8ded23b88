"""``survey qr keys list|rotate|retire KID`` and ``survey qr poster``."""

from __future__ import annotations

import argparse
from pathlib import Path

from survey.core.errors import expected
from survey.db.runner import run_with_database
from survey.settings import Settings


def keys_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.qr import keys

    async def work() -> None:
        if args.keys_command == "rotate":
            print(f"new key id {await keys.rotate(actor='cli')}: posters printed from now on carry it")
        elif args.keys_command == "retire":
            with expected(ValueError):
                await keys.retire(args.kid, actor="cli")
            print(f"retired {args.kid}: posters signed with it no longer open the survey")
        else:
            for key in await keys.list_keys():
                retired = key.retired_at.isoformat() if key.retired_at else "in service"
                print(f"{key.kid}\t{key.created_at.isoformat()}\t{retired}")

    run_with_database(work, settings, migrate=args.keys_command != "list")


def poster_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.qr import posters, services

    async def work() -> int:
        with expected(LookupError):
            if args.counter:
                found = [(await services.counter_poster(settings.secret_key, settings.base_url, args.counter))[0]]
            else:
                found = await services.unit_posters(settings.secret_key, settings.base_url, args.unit)
        Path(args.out).write_bytes(posters.render(found, args.size, args.format))
        return len(found)

    count = run_with_database(work, settings, migrate=False)
    print(f"wrote {count} poster{'s' if count != 1 else ''} to {args.out}")


def register(commands: argparse._SubParsersAction) -> None:
    qr = commands.add_parser("qr", help="QR signing keys and posters", description="QR signing keys and posters.")
    sub = qr.add_subparsers(dest="qr_command", metavar="ACTION", required=True)

    keys = sub.add_parser(
        "keys", help="signing key ids",
        description="Key ids that sign counter QR codes. 'rotate' adds a key id for new posters (older ones "
        "keep working); 'retire KID' stops posters signed with KID from opening the survey.",
    )
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_sub.add_parser("list", help="list key ids")
    keys_sub.add_parser("rotate", help="add a key id; new posters carry it")
    retire = keys_sub.add_parser("retire", help="stop accepting a key id")
    retire.add_argument("kid", help="the key id, e.g. k1")
    keys.set_defaults(handler=keys_command)

    poster = sub.add_parser(
        "poster", help="print QR posters",
        description="Write printable posters: one counter, or every counter of a unit and its sub-units "
        "(PDF, one page each).",
    )
    which = poster.add_mutually_exclusive_group(required=True)
    which.add_argument("--counter", metavar="CODE", help="one counter")
    which.add_argument("--unit", metavar="CODE", help="every counter of this unit and its sub-units")
    poster.add_argument("--size", choices=["a4", "a6"], default="a4")
    poster.add_argument("--format", choices=["pdf", "png", "svg"], default="pdf")
    poster.add_argument("--out", required=True, metavar="FILE")
    poster.set_defaults(handler=poster_command)
