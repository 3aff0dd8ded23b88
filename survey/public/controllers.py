"""Routes of the public pages (``/cong-khai`` in Vietnamese, ``/public`` in English) and the administrators'
publication screen. HTTP only: what a page holds is decided in ``services`` and built in ``pages``.

Every format of a unit in a province that is not public answers 404, the same as a unit that does not
exist; a quarter not yet ended answers 404 too; a period that is not a quarter answers 400.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from survey.accounts.guards import OfficerDependency, require_roles
from survey.accounts.services import Role
from survey.admin.controllers import act, form_fields
from survey.core.periods import Period, PeriodError
from survey.public import publication, render, services
from survey.public.http import Page, respond
from survey.public.pages import PublicState

NOT_PUBLISHED = "Không có trang công khai này. / There is no such public page."


def state(request: Request) -> PublicState:
    return request.app.state["public"]


def language(request: Request) -> str:
    return "en" if request.url.path.startswith(render.PREFIX["en"]) else "vi"


def _period(request: Request, lang: str, text: str | None, clock) -> Period:
    if text is None:
        text = request.query_params.get(render.QUERY[lang]) or request.query_params.get(
            render.QUERY["en" if lang == "vi" else "vi"])
    try:
        return services.published_period(text, clock)
    except PeriodError as problem:
        raise ClientException(problem.text(lang)) from None
    except services.NotPublished:
        raise NotFoundException(NOT_PUBLISHED) from None


async def _serve(request: Request, key: tuple, build) -> Response:
    public = state(request)
    page: Page = await public.pages.get(key, build)
    return respond(request, page)


class PublicController(Controller):
    include_in_schema = False

    @get(["/cong-khai", "/public"])
    async def home(self, request: Request) -> Response:
        public, lang = state(request), language(request)
        clock = public.clock()
        period = _period(request, lang, None, clock)
        version = await public.current_version(clock)
        catalog = await public.catalog(version)
        roots = [code for code in catalog.roots if catalog.units[code].visible]
        if not roots:
            return await _serve(request, (lang, "empty", version), lambda: _page(public.empty_page(lang)))
        return await self._unit(request, lang, roots[0], period, version, clock)

    @get(["/cong-khai/du-lieu", "/public/data"])
    async def data(self, request: Request) -> Response:
        public, lang = state(request), language(request)
        clock = public.clock()
        version = await public.current_version(clock)
        return await _serve(request, (lang, "data", version), lambda: _page(public.data_page(lang, clock)))

    @get(["/cong-khai/du-lieu/{name:str}", "/public/data/{name:str}"])
    async def data_file(self, request: Request, name: FromPath[str]) -> Response:
        public, lang = state(request), language(request)
        label, dot, fmt = name.rpartition(".")
        if not dot or fmt not in ("csv", "json"):
            raise NotFoundException(NOT_PUBLISHED)
        clock = public.clock()
        period = _period(request, lang, label, clock)
        version = await public.current_version(clock)
        return await _serve(request, ("all", fmt, period.label, version),
                            lambda: public.data_file(fmt, period, version, clock, None))

    @get(["/cong-khai/{name:str}", "/public/{name:str}"])
    async def unit(self, request: Request, name: FromPath[str]) -> Response:
        public, lang = state(request), language(request)
        clock = public.clock()
        period = _period(request, lang, None, clock)
        version = await public.current_version(clock)
        catalog = await public.catalog(version)
        code, fmt = name, "html"
        if name not in catalog.units:
            stem, dot, suffix = name.rpartition(".")
            if dot and suffix in ("csv", "json"):
                code, fmt = stem, suffix
        try:
            catalog.page(code)
        except services.NotPublished:
            raise NotFoundException(NOT_PUBLISHED) from None
        if fmt != "html":
            return await _serve(request, ("unit", code, fmt, period.label, version),
                                lambda: public.data_file(fmt, period, version, clock, code))
        return await self._unit(request, lang, code, period, version, clock)

    @get(["/cong-khai/{code:str}/huy-hieu.svg", "/public/{code:str}/badge.svg"])
    async def badge(self, request: Request, code: FromPath[str]) -> Response:
        public, lang = state(request), language(request)
        clock = public.clock()
        period = _period(request, lang, None, clock)
        version = await public.current_version(clock)
        try:
            (await public.catalog(version)).page(code)
        except services.NotPublished:
            raise NotFoundException(NOT_PUBLISHED) from None
        return await _serve(request, (lang, "badge", code, period.label, version),
                            lambda: public.badge(lang, code, period, version, clock))

    async def _unit(self, request: Request, lang: str, code: str, period: Period, version: str, clock) -> Response:
        public = state(request)
        return await _serve(request, (lang, "page", code, period.label, version),
                            lambda: public.unit_page(lang, code, period, version, clock))


async def _page(page: Page) -> Page:
    return page


ADMIN = require_roles(Role.ADMIN)


class PublicationController(Controller):
    """/officer/admin/public: which provinces publish, and their minimum answers."""

    path = "/officer/admin/public"
    guards = [ADMIN]
    include_in_schema = False

    @get("/")
    async def index(self, request: Request, officer: OfficerDependency) -> Template:
        level = request.app.state["settings"].stratum_level
        return Template("officer/admin/public.html", context={
            "provinces": await publication.province_settings(level, officer.unit_path),
            "minimum": publication.MIN_ANSWERS, "maximum": publication.MAX_ANSWERS,
        })

    @post("/{code:str}")
    async def save(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Redirect:
        fields = await form_fields(request)
        level = request.app.state["settings"].stratum_level

        async def change() -> None:
            minimum = publication.check_min_answers(fields.get("min_answers"))
            await publication.set_publication(code, fields.get("public") == "1", minimum, level, officer.username,
                                              officer)
            state(request).version.forget()  # this process at once; the others within VERSION_SECONDS

        return await act(request, self.path, change(), f"Đã lưu cách công khai của {code}")
