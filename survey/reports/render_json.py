"""The report as JSON (strict: no NaN), the form other systems read."""

from __future__ import annotations

import json

from survey.reports.model import Report


def render_json(report: Report) -> bytes:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
