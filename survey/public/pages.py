"""The public pages, computed once per (page, period, data version) and kept: the per-application cache of
reports, catalogs and rendered pages, and the builders of each page.

A report is computed by ``build_report`` exactly as for an officer (same request, default target and
instrument), once per unit and quarter and data version, whatever number of pages and formats use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from survey.core.periods import Period
from survey.public import render, services
from survey.public.cache import SingleFlight, Ttl
from survey.public.http import Page
from survey.public.schemas import SCHEMA_VERSION, OpenData
from survey.reports.definitions import DefinitionsDiffer
from survey.reports.formatting import Formatter
from survey.reports.model import Report
from survey.reports.services import DEFAULT_TARGET, Clock, ReportRequest, build_report

VERSION_SECONDS = 10.0  # how stale the data version may be: a closed month or a review shows within this
Render = Callable[[str, dict], str]

COLUMNS = {
    "vi": [("schema", "phiên bản lược đồ (sipas-public/1)"), ("period", "quý, dạng 2026-Q3"),
           ("code, name, level, parent", "mã, tên, cấp của đơn vị và mã đơn vị cấp trên"),
           ("published", "1 khi số liệu được công bố; 0 khi chưa đủ dữ liệu (mọi ô số để trống)"),
           ("verdict", "met (đạt), not_met (không đạt), inconclusive (chưa kết luận), insufficient_data"),
           ("answers", "số phiếu hợp lệ trong quý"),
           ("composite, _lower, _upper", "chỉ số hài lòng chung và khoảng tin cậy 95%"),
           ("overall, _lower, _upper", "tỷ lệ hài lòng ở câu hỏi hài lòng chung"),
           ("element_<yếu tố>, _lower, _upper", "chỉ số từng yếu tố SIPAS (JSON: elements)"),
           ("rank_best, rank_worst, rank_of", "khoảng hạng 95% trong các đơn vị cùng cấp (JSON: rank)")],
    "en": [("schema", "schema version (sipas-public/1)"), ("period", "quarter, as 2026-Q3"),
           ("code, name, level, parent", "the unit's code, name, level and its parent's code"),
           ("published", "1 when figures are published; 0 without enough data (every figure cell empty)"),
           ("verdict", "met, not_met, inconclusive or insufficient_data against the target"),
           ("answers", "valid answers in the quarter"),
           ("composite, _lower, _upper", "composite satisfaction index and its 95% interval"),
           ("overall, _lower, _upper", "share satisfied at the overall-satisfaction question"),
           ("element_<key>, _lower, _upper", "each SIPAS element's index (JSON: elements)"),
           ("rank_best, rank_worst, rank_of", "95% rank band among the sibling units (JSON: rank)")],
}


@dataclass(frozen=True)
class Held:
    """A report, or None when the period cannot be reported (a box: the cache stores no bare None)."""

    report: Report | None


class PublicState:
    """What one application process keeps for the public pages."""

    def __init__(self, timezone: str, stratum_level: str, base_url: str, render_template: Render) -> None:
        self.timezone, self.stratum_level, self.base_url = timezone, stratum_level, base_url.rstrip("/")
        self.render_template = render_template
        self.version: Ttl[str] = Ttl(VERSION_SECONDS)
        self.catalogs: SingleFlight[services.Catalog] = SingleFlight(4)
        self.reports: SingleFlight[Held] = SingleFlight(1024)
        self.pages: SingleFlight[Page] = SingleFlight(4096)
        self.today: date | None = None  # a fixed local date instead of the clock's (tests)

    def clock(self) -> Clock:
        # Never today's answers: a public figure covers complete quarters only.
        return Clock(self.today) if self.today else Clock.now(self.timezone)

    async def current_version(self, clock: Clock) -> str:
        return await self.version.get(lambda: services.data_version(clock))

    async def catalog(self, version: str) -> services.Catalog:
        return await self.catalogs.get(version, lambda: services.load_catalog(self.stratum_level))

    def forget(self) -> None:
        """Drop everything (tests; an operator never needs it: a new data version makes new keys)."""
        self.version.forget()
        for cache in (self.catalogs, self.reports, self.pages):
            cache.clear()

    def report_of(self, version: str, clock: Clock) -> services.ReportOf:
        async def get(code: str, period: Period) -> Report | None:
            async def compute() -> Held:
                try:
                    return Held(await build_report(ReportRequest(code, period), "vi", self.timezone, clock))
                except DefinitionsDiffer:
                    return Held(None)  # the officer report refuses the period too

            return (await self.reports.get((code, period.label, version), compute)).report

        return get

    # Pages ---------------------------------------------------------------------------------------------------
    def _context(self, lang: str, **extra) -> dict:
        other = "en" if lang == "vi" else "vi"
        return {"lang": lang, "fmt": Formatter(lang, self.timezone), "licence": render.LICENCE,
                "home_url": render.PREFIX[lang], "data_url": f"{render.PREFIX[lang]}/{render.DATA[lang]}",
                "other_url": extra.pop("other_url", render.PREFIX[other]), **extra}

    def _html(self, template: str, lang: str, context: dict) -> Page:
        body = self.render_template(template, self._context(lang, **context)).encode()
        return Page.of(body, "text/html; charset=utf-8", lang)

    async def unit_page(self, lang: str, code: str, period: Period, version: str, clock: Clock) -> Page:
        catalog = await self.catalog(version)
        view = await services.unit_view(catalog, code, period, self.report_of(version, clock))
        entry = catalog.page(code)
        other = "en" if lang == "vi" else "vi"
        quarters = [q.label for q in services.recent_quarters(clock)]
        badge_label, badge_value = render.badge_text(view.unit, view.period, lang)
        home = f"{self.base_url}{render.unit_url(lang, code)}"
        badge = f"{self.base_url}{render.unit_url(lang, code, suffix='/' + render.BADGE[lang])}"
        alt = f"{badge_label}: {badge_value} — {view.unit.name}"
        embed = f'<a href="{home}"><img src="{badge}" alt="{alt}" height="20"></a>'
        return self._html("public/unit.html", lang, {
            "unit": view.unit, "crumbs": view.crumbs, "trend": view.trend, "children": view.children,
            "elements": view.elements, "titles": render.element_titles(lang), "target": view.target,
            "minimum": view.minimum_answers, "partial": not entry.aggregate, "period": view.period,
            "period_title": period.title(lang), "levels": render.TEXT[lang]["levels"],
            "verdict": lambda v: render.verdict(v, lang), "quarters": quarters,
            # Links keep the page's quarter, so a reader walking the tree stays in it.
            "url": lambda c, p=view.period: render.unit_url(lang, c, p),
            "other_url": render.unit_url(other, code, view.period),
            "csv_url": render.unit_url(lang, code, view.period, ".csv"),
            "json_url": render.unit_url(lang, code, view.period, ".json"),
            "badge_url": render.unit_url(lang, code, view.period, "/" + render.BADGE[lang]),
            "badge_alt": alt, "embed": embed,
        })

    def empty_page(self, lang: str) -> Page:
        return self._html("public/empty.html", lang, {})

    def data_page(self, lang: str, clock: Clock) -> Page:
        prefix = render.PREFIX[lang]
        return self._html("public/data.html", lang, {
            "schema": SCHEMA_VERSION, "licence_url": render.LICENCE_URL, "prefix": prefix, "data": render.DATA[lang],
            "badge": render.BADGE[lang], "query": render.QUERY[lang], "columns": COLUMNS[lang],
            "quarters": [q.label for q in services.recent_quarters(clock)],
            "other_url": f"{render.PREFIX['en' if lang == 'vi' else 'vi']}/{render.DATA['en' if lang == 'vi' else 'vi']}",
        })

    async def data_file(self, fmt: str, period: Period, version: str, clock: Clock, under: str | None) -> Page:
        catalog = await self.catalog(version)
        units = await services.period_units(catalog, period, self.report_of(version, clock), under)
        data: OpenData = render.open_data(units, period.label, DEFAULT_TARGET)
        link = (("Link", f'<{render.LICENCE_URL}>; rel="license"'),)
        if fmt == "json":
            return Page.of(render.json_bytes(data), "application/json", "vi", link)
        return Page.of(render.csv_bytes(data), "text/csv; charset=utf-8", "vi", link)

    async def badge(self, lang: str, code: str, period: Period, version: str, clock: Clock) -> Page:
        catalog = await self.catalog(version)
        unit = await services.unit_figures(catalog, code, period, self.report_of(version, clock))
        return Page.of(render.badge_svg(unit, period.label, lang), "image/svg+xml", lang)
