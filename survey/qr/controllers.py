"""Officer downloads of printable posters: a unit manager for their own units, an administrator for all."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from survey.accounts.guards import CurrentOfficer, OfficerDependency, authorize_unit, require_roles
from survey.openapi import officer_refusals
from survey.qr import display, posters, services
from survey.settings import Settings

MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}
Size = Annotated[str, QueryParameter(name="size", pattern="^(a4|a6)$")]


def _file(body: bytes, fmt: str, name: str) -> Response[bytes]:
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


NOT_FOUND = {404: "No unit or counter has this code."}


class PosterController(Controller):
    path = "/officer"
    tags = ["posters"]
    guards = [require_roles("admin", "manager")]

    @get("/units/{code:str}/posters.pdf", summary="Posters for every counter of a unit and its sub-units",
         media_type=MEDIA_TYPES["pdf"], responses=officer_refusals(NOT_FOUND))
    async def unit_posters(self, request: Request, officer: OfficerDependency, code: FromPath[str], size: Size = "a4") -> Response[bytes]:
        settings: Settings = request.app.state["settings"]
        await authorize_unit(officer, code)
        try:
            found = await services.unit_posters(settings.secret_key, settings.base_url, code)
        except LookupError as missing:
            raise NotFoundException(str(missing.args[0])) from None
        return _file(posters.pdf(found, size), "pdf", f"posters-{code}-{size}.pdf")

    @get("/counters/{code:str}/poster.pdf", summary="The poster of one counter, PDF",
         media_type=MEDIA_TYPES["pdf"], responses=officer_refusals(NOT_FOUND))
    async def counter_poster_pdf(self, request: Request, officer: OfficerDependency, code: FromPath[str],
                                 size: Size = "a4") -> Response[bytes]:
        return await _counter_poster(request, officer, code, size, "pdf")

    @get("/counters/{code:str}/poster.png", summary="The poster of one counter, PNG",
         media_type=MEDIA_TYPES["png"], responses=officer_refusals(NOT_FOUND))
    async def counter_poster_png(self, request: Request, officer: OfficerDependency, code: FromPath[str],
                                 size: Size = "a4") -> Response[bytes]:
        return await _counter_poster(request, officer, code, size, "png")

    @get("/counters/{code:str}/poster.svg", summary="The poster of one counter, SVG",
         media_type=MEDIA_TYPES["svg"], responses=officer_refusals(NOT_FOUND))
    async def counter_poster_svg(self, request: Request, officer: OfficerDependency, code: FromPath[str],
                                 size: Size = "a4") -> Response[bytes]:
        return await _counter_poster(request, officer, code, size, "svg")

    @get("/counters/{code:str}/display", summary="The page for the counter's screen: a QR code renewed every minute",
         include_in_schema=False)
    async def counter_display(self, request: Request, officer: OfficerDependency, code: FromPath[str]) -> Template:
        settings: Settings = request.app.state["settings"]
        shown = await display.display(officer, settings.secret_key, settings.base_url, code)
        return Template("officer/counter_display.html", context=shown, headers={"Cache-Control": "no-store"})


async def _counter_poster(request: Request, officer: CurrentOfficer, code: str, size: str, fmt: str) -> Response[bytes]:
    settings: Settings = request.app.state["settings"]
    try:
        poster, unit_path = await services.counter_poster(settings.secret_key, settings.base_url, code)
    except LookupError as missing:
        raise NotFoundException(str(missing.args[0])) from None
    if not officer.sees(unit_path):
        raise PermissionDeniedException(f"Quầy {code} nằm ngoài phạm vi của bạn. / Counter {code} is outside your scope.")
    return _file(posters.render([poster], size, fmt), fmt, f"poster-{code}-{size}.{fmt}")
