"""Numbers, dates and periods as an official reads them: Vietnamese conventions by default (Babel's ``vi``
locale: "95,5%", "1.925", "p < 0,001", "lập lúc 10:04 ngày 04/12/2026", "Quý III/2026"), English for ``en``.

Every renderer (HTML, PDF, DOCX, XLSX) formats through the formatter of the current context, so a figure
reads the same in all of them. The language and time zone come from the deployment's settings; the caller
that starts a rendering sets them with :func:`use` (a context variable, because renderers run in worker
threads and ``asyncio.to_thread`` carries the context into them). Times are stored in UTC and shown in the
configured time zone: a report made at 10:04 in Hà Nội must not say 03:04.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal, format_percent

from survey.core import i18n
from survey.core.periods import PeriodError, parse_period

DASH = "–"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")


class Formatter:
    """Formats for one language and one time zone."""

    def __init__(self, lang: str = "vi", time_zone: str = DEFAULT_TIMEZONE) -> None:
        self.lang = "en" if lang == "en" else "vi"
        self.locale = Locale.parse(self.lang)
        self.zone = ZoneInfo(time_zone)

    # Numbers -------------------------------------------------------------------------------------------
    def percent(self, value: float | None, decimals: int = 1) -> str:
        """A share as a percentage: 0.955 → "95,5%" (vi) / "95.5%" (en)."""
        if value is None:
            return DASH
        pattern = "#,##0%" if decimals == 0 else "#,##0." + "0" * decimals + "%"
        return format_percent(value, pattern, locale=self.locale)

    def count(self, value: int | float | None) -> str:
        """A whole number with thousands separators: 1925 → "1.925" (vi) / "1,925" (en)."""
        if value is None:
            return DASH
        return format_decimal(round(value), "#,##0", locale=self.locale)

    def number(self, value: float | None, decimals: int = 1) -> str:
        """A decimal number: 2.25 → "2,3" (vi)."""
        if value is None:
            return DASH
        pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
        return format_decimal(value, pattern, locale=self.locale)

    def points(self, difference: float | None, decimals: int = 1) -> str:
        """A change of a share in percentage points, signed: 0.012 → "+1,2 điểm %"."""
        if difference is None:
            return DASH
        sign = "+" if difference >= 0 else "−"
        unit = "điểm %" if self.lang == "vi" else "pp"
        return f"{sign}{self.number(abs(100 * difference), decimals)} {unit}"

    def p_value(self, p: float | None) -> str:
        """"p < 0,001" below a thousandth (more digits would claim a precision the design lacks)."""
        if p is None:
            return "p = " + DASH
        if p < 0.001:
            return f"p < {self.number(0.001, 3)}"
        return f"p = {self.number(p, 3)}"

    def interval(self, lower: float | None, upper: float | None, decimals: int = 1) -> str:
        if lower is None or upper is None:
            return DASH
        return f"{self.percent(lower, decimals)} – {self.percent(upper, decimals)}"

    # Times ---------------------------------------------------------------------------------------------
    def local(self, moment: str | datetime | None) -> datetime | None:
        """An ISO text or datetime (naive means UTC, as stored) in the configured time zone."""
        if moment is None or moment == "":
            return None
        when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(self.zone)

    def date(self, moment: str | datetime | None) -> str:
        when = self.local(moment)
        if when is None:
            return DASH
        return when.strftime("%d/%m/%Y") if self.lang == "vi" else when.strftime("%d %b %Y")

    def timestamp(self, moment: str | datetime | None) -> str:
        """"10:04 ngày 04/12/2026" (vi) / "10:04 on 04 Dec 2026" (en), local time."""
        when = self.local(moment)
        if when is None:
            return DASH
        joiner = "ngày" if self.lang == "vi" else "on"
        return f"{when:%H:%M} {joiner} {self.date(when)}"

    def generated(self, moment: str | datetime | None) -> str:
        """The "made at" line: "lập lúc 10:04 ngày 04/12/2026"."""
        return ("lập lúc " if self.lang == "vi" else "made at ") + self.timestamp(moment)

    def long_date(self, moment: str | datetime | None, place: str = "") -> str:
        """The date line of an administrative document: "Ninh Bình, ngày 04 tháng 12 năm 2026"
        (Nghị định 30/2020: a day below 10 and the months 1 and 2 take a leading zero, other months not)."""
        when = self.local(moment)
        if when is None:
            return DASH
        if self.lang == "vi":
            month = f"{when.month:02d}" if when.month <= 2 else str(when.month)
            text = f"ngày {when:%d} tháng {month} năm {when:%Y}"
        else:
            text = f"{when.day} {ENGLISH_MONTHS[when.month - 1]} {when.year}"
        return f"{place}, {text}" if place else text[0].upper() + text[1:]

    # Periods -------------------------------------------------------------------------------------------
    def period(self, label: str) -> str:
        """A period label as people write it: "2026-Q3" → "Quý III/2026", "2026-07" → "Tháng 7/2026"."""
        label = (label or "").strip()
        if ".." in label:
            first, last = label.split("..", 1)
            return f"{self.period(first)} – {self.period(last)[:1].lower()}{self.period(last)[1:]}" \
                if self.lang == "vi" else f"{self.period(first)} – {self.period(last)}"
        try:
            return parse_period(label).title(self.lang)
        except PeriodError:
            return label


_current: ContextVar[Formatter | None] = ContextVar("report_formatter", default=None)
_DEFAULT = Formatter()


def current() -> Formatter:
    """The formatter of this context: Vietnamese in Hà Nội time unless :func:`use` says otherwise."""
    return _current.get() or _DEFAULT


@contextmanager
def use(lang: str = "vi", time_zone: str = DEFAULT_TIMEZONE) -> Iterator[Formatter]:
    """Render with ``lang``'s conventions and ``time_zone``'s clock inside the block."""
    formatter = Formatter(lang, time_zone)
    token = _current.set(formatter)
    try:
        with i18n.use(formatter.lang):
            yield formatter
    finally:
        _current.reset(token)


def activate(lang: str = "vi", time_zone: str = DEFAULT_TIMEZONE) -> Formatter:
    """Set the formatter for the rest of this context (a request's task, a CLI run)."""
    formatter = Formatter(lang, time_zone)
    _current.set(formatter)
    i18n.activate(formatter.lang)
    return formatter
