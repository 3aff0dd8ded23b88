"""``survey users create``."""

from __future__ import annotations

import argparse
import getpass
import os

from survey.accounts.services import AccountError, Role, create_officer


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


def create_command(args: argparse.Namespace) -> None:
    from survey.cli import run_with_database

    password = read_password(args)

    async def create() -> None:
        await create_officer(args.username, password, args.role, args.unit, args.name)
        print(f"created {args.role} {args.username}")

    run_with_database(create)


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
    create.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    create.set_defaults(handler=create_command)
