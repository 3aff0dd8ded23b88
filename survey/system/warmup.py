"""Readying a server process for traffic: what the first citizens would otherwise pay for, paid at start-up.

- The questionnaire definitions are parsed and the citizen templates compiled before the first request, so
  the first submissions after a start or a restart do not queue behind them.
- The objects alive once the process is ready (modules, the application, its routes and templates: about
  200,000) are then moved out of the garbage collector's reach with ``gc.freeze()``. Otherwise every full
  collection walks all of them again: 130 to 160 ms on a 2-core machine, a pause in which every request in
  flight waits, and which alone set the 99th percentile latency of submissions under load. These objects
  live as long as the process, so the collector had nothing to find among them.

Only ``survey serve`` does this (``create_server_app``): a process that builds many applications, as the
tests do, would keep every frozen one alive.
"""

from __future__ import annotations

import gc

from litestar import Litestar

import instruments

CITIZEN_TEMPLATES = ("citizen/survey.html", "citizen/message.html")


def ready_process(app: Litestar) -> None:
    instruments.registry()
    for name in CITIZEN_TEMPLATES:
        app.template_engine.get_template(name)
    gc.collect()
    gc.freeze()
