"""``survey users create | set-password | list``."""

from __future__ import annotations

import argparse
import getpass
import os

from survey.accounts.services import AccountError, Role, create_officer, list_officers, set_password
from survey.db.runner import run_with_database
from survey.settings import Settings


def read_password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise AccountError(f"environment variable {args.password_env} is empty or not set")
        return value
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise AccountError("the two passwords differ")
    return first


def create_command(args: argparse.Namespace, settings: Settings) -> None:

    password = read_password(args)

    async def create() -> None:
        await create_officer(args.username, password, args.role, args.unit, args.name)
        print(f"created {args.role} {args.username}")

    run_with_database(create, settings, migrate=True)


def set_password_command(args: argparse.Namespace, settings: Settings) -> None:

    password = read_password(args)

    async def change() -> None:
        await set_password(args.username, password, actor="cli")
        print(f"password of {args.username} changed; their open sessions have ended")

    run_with_database(change, settings, migrate=True)


def list_command(args: argparse.Namespace, settings: Settings) -> None:

    async def show() -> None:
        rows = await list_officers()
        print(f"{'username':<24} {'role':<11} {'unit':<16} {'active':<6} full name")
        for row in rows:
            unit = row["unit_code"] or "-"
            print(f"{row['username']:<24} {row['role']:<11} {unit:<16} {'yes' if row['active'] else 'no':<6} {row['full_name']}")

    run_with_database(show, settings, migrate=False)


def add_password_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")


def register(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="officer accounts", description="Officer accounts.")
    sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    create = sub.add_parser(
        "create",
        help="create an officer account",
        description="Create an officer account. The password is asked for twice, or read from the "
        "environment variable named by --password-env (for scripts).",
    )
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--unit", help="code of the unit the officer may see (required for managers)")
    create.add_argument("--name", default="", help="full name")
    add_password_source(create)
    create.set_defaults(handler=create_command)
    set_pw = sub.add_parser(
        "set-password",
        help="set an officer's password",
        description="Set a new password for an officer; their open sessions end. The password is asked for "
        "twice, or read from the environment variable named by --password-env.",
    )
    set_pw.add_argument("username")
    add_password_source(set_pw)
    set_pw.set_defaults(handler=set_password_command)
    listing = sub.add_parser("list", help="list officer accounts", description="List officer accounts.")
    listing.set_defaults(handler=list_command)
