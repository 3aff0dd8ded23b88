"""``survey public``: which provinces publish their figures, from the shell."""

from __future__ import annotations

import argparse

from survey.settings import Settings


async def set_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.core.errors import expected
    from survey.public.publication import PublicationError, set_publication

    with expected(PublicationError):
        await set_publication(args.province, args.on, args.min_answers, settings.stratum_level, actor="cli")
    state = "public" if args.on else "not public"
    print(f"{args.province}: {state}, at least {args.min_answers} answers per unit and quarter")


async def list_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.public.publication import province_settings

    for p in await province_settings(settings.stratum_level):
        print(f"{p.code}\t{'public' if p.public else 'private'}\t{p.min_answers}\t{p.name}")


def register(commands: argparse._SubParsersAction) -> None:
    from survey.db.runner import run_with_database
    from survey.public.publication import MIN_ANSWERS, check_min_answers

    public = commands.add_parser("public", help="public pages (công khai)",
                                 description="Which provinces publish their figures on /cong-khai.")
    actions = public.add_subparsers(dest="action", metavar="ACTION", required=True)
    one = actions.add_parser("set", help="make a province public (--on) or private (--off)")
    one.add_argument("province", help="the province's unit code")
    switch = one.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", action="store_true", help="publish its figures")
    switch.add_argument("--off", dest="on", action="store_false", help="stop publishing (404 on every format)")
    one.add_argument("--min-answers", type=check_min_answers, default=MIN_ANSWERS,
                     help=f"fewest answers a unit needs in a quarter before any figure is shown (at least {MIN_ANSWERS})")
    one.set_defaults(handler=lambda args, settings: run_with_database(lambda: set_command(args, settings), settings,
                                                                      migrate=True))
    listing = actions.add_parser("list", help="the provinces and their setting")
    listing.set_defaults(handler=lambda args, settings: run_with_database(lambda: list_command(args, settings),
                                                                          settings, migrate=False))
