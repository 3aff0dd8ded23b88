"""The public figures as HTML, CSV, JSON and an SVG badge, in Vietnamese (``vi``) or English (``en``).

Numbers go through the reports' formatter (Babel: "95,5%" in Vietnamese), so a public page reads as the
officer report does. No output carries a number for a unit whose figures are withheld.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

import msgspec

import instruments
from survey.core.periods import parse_period
from survey.public.schemas import SCHEMA_VERSION, Figure, OpenData, UnitFigures
from survey.reports.formatting import Formatter
from survey.reports.render_xlsx import safe
from survey.reports.services import DEFAULT_INSTRUMENT

LICENCE = "CC BY 4.0 (Creative Commons Ghi công 4.0 Quốc tế / Attribution 4.0 International)"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
PREFIX = {"vi": "/cong-khai", "en": "/public"}
DATA = {"vi": "du-lieu", "en": "data"}
BADGE = {"vi": "huy-hieu.svg", "en": "badge.svg"}
QUERY = {"vi": "ky", "en": "period"}

TEXT: dict[str, dict[str, Any]] = {
    "vi": {
        "title": "Chỉ số hài lòng", "verdicts": {"met": "Đạt", "not_met": "Không đạt", "inconclusive": "Chưa kết luận",
                                                 "insufficient_data": "chưa đủ dữ liệu"},
        "levels": {"country": "Toàn quốc", "province": "Tỉnh, thành phố", "commune": "Xã, phường",
                   "centre": "Trung tâm"},
    },
    "en": {
        "title": "Satisfaction index", "verdicts": {"met": "Met", "not_met": "Not met", "inconclusive": "Inconclusive",
                                                    "insufficient_data": "not enough data"},
        "levels": {"country": "Country", "province": "Province", "commune": "Commune", "centre": "Centre"},
    },
}


def element_titles(lang: str, key: str = DEFAULT_INSTRUMENT) -> dict[str, str]:
    instrument: instruments.Instrument = instruments.get(key)
    return {e.key: instrument.element(e.key).title.get(lang) for e in instrument.index_definition().elements}


def verdict(code: str, lang: str) -> str:
    return TEXT[lang]["verdicts"].get(code, code)


def short_period(label: str) -> str:
    """"2026-Q3" → "Q3/2026", as a badge has room for."""
    period = parse_period(label)
    return f"Q{period.first % 12 // 3 + 1}/{period.first // 12}"


def unit_url(lang: str, code: str, period: str | None = None, suffix: str = "") -> str:
    from urllib.parse import quote

    query = f"?{QUERY[lang]}={period}" if period else ""
    return f"{PREFIX[lang]}/{quote(code, safe='')}{suffix}{query}"


# Open data ---------------------------------------------------------------------------------------------------
def open_data(units: list[UnitFigures], period: str, target: float) -> OpenData:
    return OpenData(SCHEMA_VERSION, LICENCE, LICENCE_URL, period, target, list(element_titles("vi")), units)


def json_bytes(data: OpenData) -> bytes:
    return msgspec.json.encode(data)


def _share(figure: Figure | None, part: str) -> str:
    return "" if figure is None else f"{getattr(figure, part):.4f}"


def csv_columns(elements: list[str]) -> list[str]:
    columns = ["schema", "period", "code", "name", "level", "parent", "published", "verdict", "answers"]
    for name in ("composite", "overall", *(f"element_{e}" for e in elements)):
        columns += [name, f"{name}_lower", f"{name}_upper"]
    return columns + ["rank_best", "rank_worst", "rank_of"]


def csv_bytes(data: OpenData) -> bytes:
    """One row per unit; a withheld unit's figures are empty cells. Text cells are neutralised against
    formula injection, as every CSV the platform writes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns(data.elements))
    for unit in data.units:
        row: list = [data.schema, data.period, safe(unit.code), safe(unit.name), safe(unit.level),
                     safe(unit.parent or ""), int(unit.published), unit.verdict,
                     "" if unit.answers is None else unit.answers]
        for figure_ in (unit.composite, unit.overall, *(unit.elements.get(e) for e in data.elements)):
            row += [_share(figure_, "value"), _share(figure_, "lower"), _share(figure_, "upper")]
        row += [unit.rank.best, unit.rank.worst, unit.rank.of] if unit.rank else ["", "", ""]
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens the Vietnamese names correctly


# Badge -------------------------------------------------------------------------------------------------------
def badge_text(unit: UnitFigures, period: str, lang: str) -> tuple[str, str]:
    """("Chỉ số hài lòng Q3/2026", "93,8% — Đạt"), or the insufficient-data wording without a number."""
    fmt = Formatter(lang)
    label = f"{TEXT[lang]['title']} {short_period(period)}"
    if not unit.published or unit.composite is None:
        return label, verdict("insufficient_data", lang)
    return label, f"{fmt.percent(unit.composite.value)} — {verdict(unit.verdict, lang)}"


COLOURS = {"met": "#1b7a35", "not_met": "#b3261e", "inconclusive": "#8a5a00", "insufficient_data": "#5f6368"}


def badge_svg(unit: UnitFigures, period: str, lang: str) -> bytes:
    """A flat badge for the unit's own website; text only, no script, no external reference."""
    label, value = badge_text(unit, period, lang)
    left, right = 12 + round(6.4 * len(label)), 12 + round(6.6 * len(value))
    width = left + right
    colour = COLOURS.get(unit.verdict if unit.published else "insufficient_data", COLOURS["insufficient_data"])
    title = escape(f"{label}: {value} — {unit.name}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{left}" height="20" fill="#3c4043"/><rect x="{left}" width="{right}" height="20" '
        f'fill="{colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{escape(label)}</text><text x="{left + 6}" y="14">{escape(value)}</text></g></svg>'
    ).encode()
