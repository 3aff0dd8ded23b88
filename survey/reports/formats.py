"""Report formats: the renderer, media type and file extension of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from survey.reports.model import Report


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    render: Callable[[Report], bytes]


def _json(report: Report) -> bytes:
    from survey.reports.render_json import render_json

    return render_json(report)


def _pdf(report: Report) -> bytes:
    from survey.reports.render_pdf import render_pdf

    return render_pdf(report)


def _xlsx(report: Report) -> bytes:
    from survey.reports.render_xlsx import render_xlsx

    return render_xlsx(report)


def _html(report: Report) -> bytes:
    from survey.reports.render_html import render_standalone_html

    return render_standalone_html(report)


FORMATS = {
    "json": Format("json", "application/json", _json),
    "pdf": Format("pdf", "application/pdf", _pdf),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
    "html": Format("html", "text/html; charset=utf-8", _html),
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r}; choose one of {', '.join(FORMATS)}") from None
