"""``survey apikeys create|list|revoke``."""

from __future__ import annotations

import argparse

from survey.core.errors import expected
from survey.db.runner import run_with_database
from survey.settings import Settings


def create_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.receipts import apikeys

    async def create() -> None:
        with expected(ValueError):
            key = await apikeys.create(settings.secret_key, args.name, args.unit)
        print(key)

    run_with_database(create, settings, migrate=True)


def list_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.receipts import apikeys

    async def show() -> None:
        for entry in await apikeys.listing():
            print(f"{entry['name']}\t{entry['unit']}\t{entry['created_at']}")

    run_with_database(show, settings, migrate=False)


def revoke_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.receipts import apikeys

    async def revoke() -> None:
        with expected(ValueError):
            await apikeys.revoke(args.name)
        print(f"revoked the API key {args.name!r}")

    run_with_database(revoke, settings, migrate=True)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "apikeys", help="API keys for the one-stop-shop software",
        description="API keys that let the one-stop-shop software mint receipt survey codes.",
    )
    sub = parser.add_subparsers(dest="apikeys_command", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create", help="create a key (printed once)",
        description="Create an API key for a unit and everything under it. The key is printed once and "
        "stored only as a keyed hash: keep it in the one-stop-shop software's configuration.",
    )
    create.add_argument("--name", required=True, help="who uses the key, e.g. 'mot-cua-ninh-binh'")
    create.add_argument("--unit", required=True, help="code of the unit whose counters the key may mint for")
    create.set_defaults(handler=create_command)
    listing = sub.add_parser("list", help="list keys (names and units, never the keys)")
    listing.set_defaults(handler=list_command)
    revoke = sub.add_parser("revoke", help="revoke a key by name",
                            description="Delete the API key with this name; its holder is refused from then on.")
    revoke.add_argument("name")
    revoke.set_defaults(handler=revoke_command)
