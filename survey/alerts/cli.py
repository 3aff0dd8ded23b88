"""``survey alerts``: set a rule (a unit's own, or the default of all units), evaluate the rules now."""

from __future__ import annotations

import argparse

from survey.system.cli import positive_int


async def set_rule(args: argparse.Namespace) -> None:
    from survey.alerts.services import AlertError, set_rule

    recipients = [r.strip() for r in (args.recipients or "").split(",") if r.strip()]
    try:
        await set_rule(args.unit, args.kind, not args.off, args.threshold, recipients, actor="cli")
    except AlertError as exc:
        raise ValueError(str(exc)) from None
    print(f"rule {args.kind} for {args.unit or 'all units'} saved")


async def evaluate(args: argparse.Namespace) -> None:
    from survey.alerts.services import evaluate
    from survey.settings import get_settings

    raised = await evaluate(get_settings().timezone)
    print(f"{len(raised)} alert(s) raised")


def register(commands: argparse._SubParsersAction) -> None:
    from survey.alerts.services import KINDS
    from survey.db.runner import run_with_database

    alerts = commands.add_parser("alerts", help="alert rules", description="Alert rules and evaluation.")
    actions = alerts.add_subparsers(dest="action", metavar="ACTION", required=True)
    rule = actions.add_parser("rule", help="set a rule for one unit (and below) or, without --unit, for all")
    rule.add_argument("kind", choices=KINDS)
    rule.add_argument("--unit", default=None, help="unit code (default: the rule of all units)")
    rule.add_argument("--threshold", type=positive_int, default=1, help="count that raises the alert (default 1)")
    rule.add_argument("--recipients", default="", help="e-mail addresses, comma-separated")
    rule.add_argument("--off", action="store_true", help="switch this kind off for the unit")
    rule.set_defaults(handler=lambda args, settings: run_with_database(lambda: set_rule(args), settings,
                                                                                    migrate=True))
    now = actions.add_parser("evaluate", help="evaluate every rule now (the worker does it every 5 minutes)")
    now.set_defaults(handler=lambda args, settings: run_with_database(lambda: evaluate(args), settings,
                                                                                    migrate=True))
