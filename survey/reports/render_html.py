"""The report as HTML: inside the officer pages (template context) or as one standalone file.

Charts travel as ``data:`` PNG images, which the officer pages' Content-Security-Policy allows; the
pages carry no script.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from survey.core import templating
from survey.reports import labels
from survey.reports.charts import funnel_chart, trend_chart
from survey.reports.model import Report

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_context(report: Report, with_funnel: bool = True) -> dict[str, Any]:
    """What the report templates need: the report, its charts and the shared wording."""
    return {
        "report": report,
        "L": labels,
        "trend_png": data_uri(trend_chart(report)),
        "funnel_png": data_uri(funnel_chart(report)) if with_funnel else None,
    }


def render_standalone_html(report: Report) -> bytes:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    templating.configure(environment)
    page = environment.get_template("reports/standalone.html")
    return page.render(**report_context(report)).encode("utf-8")
