"""Report formats: the renderer, media type and file extension of each.

Every renderer takes the report and the issuing body's letterhead; the formats that are not documents
(JSON, HTML, XLSX) ignore the letterhead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from survey.reports.letterhead import Letterhead
from survey.reports.model import Report


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    render: Callable[[Report, Letterhead], bytes]


def _json(report: Report, _letterhead: Letterhead) -> bytes:
    from survey.reports.render_json import render_json

    return render_json(report)


def _pdf(report: Report, letterhead: Letterhead) -> bytes:
    from survey.reports.render_pdf import render_pdf

    return render_pdf(report, letterhead)


def _docx(report: Report, letterhead: Letterhead) -> bytes:
    from survey.reports.render_docx import render_docx

    return render_docx(report, letterhead)


def _xlsx(report: Report, _letterhead: Letterhead) -> bytes:
    from survey.reports.render_xlsx import render_xlsx

    return render_xlsx(report)


def _html(report: Report, _letterhead: Letterhead) -> bytes:
    from survey.reports.render_html import render_standalone_html

    return render_standalone_html(report)


FORMATS = {
    "json": Format("json", "application/json", _json),
    "pdf": Format("pdf", "application/pdf", _pdf),
    "docx": Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
    "html": Format("html", "text/html; charset=utf-8", _html),
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r}; choose one of {', '.join(FORMATS)}") from None
