"""Officer downloads of printable posters: a unit manager for their own units, an administrator for all."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter

from survey.accounts.guards import OfficerDependency, authorize_unit, require_roles
from survey.qr import posters, services
from survey.settings import Settings

MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}
Size = Annotated[str, QueryParameter(name="size", pattern="^(a4|a6)$")]


def _file(body: bytes, fmt: str, name: str) -> Response[bytes]:
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class PosterController(Controller):
    path = "/officer"
    tags = ["posters"]
    guards = [require_roles("admin", "manager")]

    @get("/units/{code:str}/posters.pdf", summary="Posters for every counter of a unit and its sub-units")
    async def unit_posters(self, request: Request, officer: OfficerDependency, code: FromPath[str], size: Size = "a4") -> Response[bytes]:
        settings: Settings = request.app.state["settings"]
        await authorize_unit(officer, code)
        try:
            found = await services.unit_posters(settings.secret_key, settings.base_url, code)
        except LookupError as missing:
            raise NotFoundException(str(missing.args[0])) from None
        return _file(posters.pdf(found, size), "pdf", f"posters-{code}-{size}.pdf")

    @get("/counters/{code:str}/{file_name:str}", summary="The poster of one counter (poster.pdf, .png or .svg)")
    async def counter_poster(
        self, request: Request, officer: OfficerDependency, code: FromPath[str], file_name: FromPath[str], size: Size = "a4"
    ) -> Response[bytes]:
        settings: Settings = request.app.state["settings"]
        stem, _, fmt = file_name.partition(".")
        if stem != "poster" or fmt not in MEDIA_TYPES:
            raise NotFoundException("Ask for poster.pdf, poster.png or poster.svg.")
        try:
            poster, unit_path = await services.counter_poster(settings.secret_key, settings.base_url, code)
        except LookupError as missing:
            raise NotFoundException(str(missing.args[0])) from None
        if not officer.sees(unit_path):
            raise PermissionDeniedException(f"Quầy {code} nằm ngoài phạm vi của bạn. / Counter {code} is outside your scope.")
        return _file(posters.render([poster], size, fmt), fmt, f"poster-{code}-{size}.{fmt}")
