"""``survey rollup rebuild|check|compact``: the reports' rollup, recounted from the responses or compared with them."""

from __future__ import annotations

import argparse

from survey.core.errors import expected
from survey.core.periods import PeriodError
from survey.db.runner import run_with_database
from survey.settings import Settings

SHOWN_DIFFERENCES = 20


def rebuild_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.rollup.maintain import rebuild

    async def work() -> int:
        with expected(PeriodError):
            return await rebuild(settings.timezone, since=args.since)

    rows = run_with_database(work, settings, migrate=True)
    print(f"rollup rebuilt from the responses: {rows} answer-pattern rows")


def check_command(args: argparse.Namespace, settings: Settings) -> int:
    from survey.rollup.maintain import CheckResult, check

    async def work() -> CheckResult:
        with expected(PeriodError):
            return await check(settings.timezone, since=args.since)

    result = run_with_database(work, settings, migrate=False)
    for difference in result.differences[:SHOWN_DIFFERENCES]:
        print(difference)
    if result.differences:
        print(f"rollup differs from the responses in {len(result.differences)} rows: run `survey rollup rebuild`")
        return 1
    print(f"rollup matches the responses ({result.pattern_rows} answer-pattern rows, "
          f"{result.counter_day_rows} counter-day rows)")
    return 0


def compact_command(_args: argparse.Namespace, settings: Settings) -> None:
    from survey.rollup.maintain import compact

    async def work() -> int:
        return await compact(settings.timezone)

    merged = run_with_database(work, settings, migrate=True)
    print(f"{merged} daily rows of closed months merged into monthly rows")


def register(commands: argparse._SubParsersAction) -> None:
    rollup = commands.add_parser("rollup", help="the reports' rollup of the responses",
                                 description="The per-cell sums every report reads instead of the responses.")
    sub = rollup.add_subparsers(dest="rollup_command", metavar="ACTION", required=True)
    rebuild = sub.add_parser("rebuild", help="recount the rollup from the responses",
                             description="Recount the rollup from the response rows, in one transaction.")
    check = sub.add_parser("check", help="compare the rollup with the responses (exit status 1 on a difference)",
                           description="Recount from the response rows and compare with the rollup; exit status 1 "
                           "and the first differences when they differ.")
    for parser, handler in ((rebuild, rebuild_command), (check, check_command)):
        parser.add_argument("--since", metavar="YYYY-MM", default=None,
                            help="only this month and later (months whose rows were archived keep their sums)")
        parser.set_defaults(handler=handler)
    sub.add_parser("compact", help="merge closed months' daily rows into monthly rows",
                   description="Merge the daily rows of months before last month into one row per month "
                   "(run monthly; the figures do not change).").set_defaults(handler=compact_command)
