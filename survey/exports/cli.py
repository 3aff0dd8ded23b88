"""``survey export``: write an anonymised research file with its codebook."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from survey.core.errors import expected
from survey.db.runner import run_with_database
from survey.exports.periods import GRAINS
from survey.exports.writers import FORMATS
from survey.settings import Settings


class ProgressLine:
    """Rows read, then rows written, on stderr, at most twice a second (a total of 0: still reading)."""

    def __init__(self) -> None:
        self._started = self._last = time.perf_counter()
        self._shown = 0.0
        self._reading = True

    def __call__(self, done: int, total: int) -> None:
        now, last = time.perf_counter(), self._last
        self._last = now
        if self._reading and total:
            # Writing began when the last rows were read; its first call comes after its first batch.
            self._reading = False
            self._started = last
            print(file=sys.stderr)
        elif now - self._shown < 0.5 and (not total or done < total):
            return
        self._shown = now
        rate = done / max(now - self._started, 1e-9)
        line = f"read {done:,} rows" if not total else f"wrote {done:,} / {total:,} rows"
        print(f"\rexport: {line} ({rate:,.0f} rows/s)", end="", file=sys.stderr, flush=True)
        if total and done >= total:
            print(file=sys.stderr)


def export_command(args: argparse.Namespace, settings: Settings) -> None:
    from survey.exports.services import ExportRequest, run_export

    request = ExportRequest(scope=args.scope, period=args.period, format=args.format, instrument=args.instrument,
                            version=args.version, k=args.k, keep_text=args.keep_text, grain=args.grain,
                            max_suppression=args.max_suppression, excel=args.excel)
    # Checks that need no database come first, so a wrong option fails before any connection.
    with expected(ValueError):
        request.checked()

    async def run() -> None:
        with expected(ValueError):
            result = await run_export(request, Path(args.out), actor=f"cli:{getpass.getuser()}",
                                      progress=None if args.quiet else ProgressLine())
        report = result.disclosure
        print(f"export: {result.rows} rows, k={report['k']} (achieved {report['achieved_k']}), "
              f"records in classes below k: {report['risk_before']['share_below_k']:.1%} before, "
              f"{report['risk_after']['share_below_k']:.1%} after")
        for path in result.files:
            print(path)

    run_with_database(run, settings, migrate=False)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export", help="write an anonymised research file with weights and a codebook",
        description="Export valid responses of a unit and everything under it as microdata: one row per "
        "response, answers as codes, post-stratified weight, pseudonymous strata and clusters. Before "
        "anything is written, free text is dropped (or scrubbed with --keep-text), timestamps are reduced "
        "to the period, and the unit, period, procedure group, channel and demographic items are generalised "
        "and suppressed (written as -1; missing means not answered) until every combination occurs at least "
        "k times. A codebook (JSON and Markdown) is written beside the data.",
    )
    parser.add_argument("--scope", required=True, help="unit code: the unit and everything under it")
    parser.add_argument("--period", required=True, help="2026-07, 2026-Q3, 2026 or 2026-01..2026-06")
    parser.add_argument("--instrument", help="instrument key, when several were used in the scope")
    parser.add_argument("--version", type=int, help="instrument version (default: the latest used)")
    parser.add_argument("--format", choices=list(FORMATS), default="csv")
    parser.add_argument("--k", type=int, default=5, help="every combination of quasi-identifiers occurs at "
                        "least k times (default 5, at least 2)")
    parser.add_argument("--keep-text", action="store_true", help="keep free-text answers, with phone numbers, "
                        "e-mail addresses, ID numbers and titled names removed")
    parser.add_argument("--grain", choices=list(GRAINS[:3]), help="period written per response (default: the "
                        "grain of --period; disclosure control may coarsen it)")
    parser.add_argument("--max-suppression", type=float, default=0.05, help="largest share of records whose "
                        "values may be suppressed before generalising further (default 0.05)")
    parser.add_argument("--excel", action="store_true", help="CSV as UTF-8 with a byte-order mark, so Excel "
                        "shows Vietnamese intact (R: fileEncoding = \"UTF-8-BOM\"; pandas: encoding=\"utf-8-sig\")")
    parser.add_argument("--out", required=True, help="folder for the data file and codebook")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=export_command)
