"""``survey report``: the same report the officer pages show, written to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from survey.core.errors import expected
from survey.db.runner import run_with_database
from survey.reports.formats import FORMATS
from survey.reports.model import Report
from survey.settings import Settings


def report_command(args: argparse.Namespace, settings: Settings) -> None:
    """Read-only: never migrates. The report is written in SURVEY_LANGUAGE, its months in SURVEY_TIMEZONE."""
    from survey.reports import formatting
    from survey.reports.formats import get_format
    from survey.reports.letterhead import letterhead_for
    from survey.reports.services import Clock, build_report, parse_request
    from survey.reports.totals_query import UnknownUnit

    with expected(ValueError):
        request = parse_request(args.scope, args.period, args.instrument, args.target, args.centres,
                                args.design or settings.report_design)
        output = get_format(args.format)
    clock = Clock.now(settings.timezone, settings.report_include_today)
    formatting.activate(settings.language, settings.timezone)

    async def work() -> tuple[Report, object]:
        with expected(UnknownUnit):
            return (await build_report(request, settings.language, settings.timezone, clock),
                    await letterhead_for(request.scope))

    report, letterhead = run_with_database(work, settings, migrate=False)
    Path(args.out).write_bytes(output.render(report, letterhead))
    print(f"{args.format} report for {request.scope}, {request.period.label} written to {args.out}")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write a satisfaction-index report (PDF, DOCX, XLSX, HTML or JSON)",
        description="Compute the satisfaction-index report of a unit and everything under it for a period "
        "(month 2026-07, quarter 2026-Q3, year 2026 or range 2026-05..2026-09) and write it to a file.",
    )
    parser.add_argument("--scope", required=True, help="unit code, e.g. VN or NB")
    parser.add_argument("--period", required=True, help="2026-07, 2026-Q3, 2026 or 2026-05..2026-09")
    parser.add_argument("--format", choices=sorted(FORMATS), default="pdf")
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--instrument", default=None, help="instrument key (default sipas_qr)")
    parser.add_argument("--target", default=None, help="target share in (0, 1), default 0.95")
    parser.add_argument("--centres", action="store_true", help="add a table of every service centre")
    parser.add_argument("--design", choices=("cell", "counter-day"), default=None,
                        help="variance design: cell (default: respondents within unit-month cells) or counter-day")
    parser.set_defaults(handler=report_command)
