"""``POST /api/v1/receipts``: the one-stop-shop software asks for a survey code to print on a receipt."""

from __future__ import annotations

import base64

from litestar import Controller, Request, Response, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler

from survey.errors import JsonBodyRequest, error_response
from survey.openapi import refusals
from survey.qr import render
from survey.receipts import apikeys
from survey.receipts.schemas import ReceiptCreated, ReceiptRequestBody
from survey.receipts.services import ReceiptRefused, mint
from survey.settings import Settings


async def require_api_key(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """A guard, so that the key is checked before the body is read: without a key, nothing is parsed."""
    settings: Settings = connection.app.state["settings"]
    scheme, _, key = connection.headers.get("authorization", "").partition(" ")
    found = await apikeys.authenticate(settings.secret_key, key.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise NotAuthorizedException("an API key is required: Authorization: Bearer <key>")
    connection.state["api_key"] = found


class ReceiptController(Controller):
    path = "/api/v1/receipts"
    request_class = JsonBodyRequest
    tags = ["receipts"]
    guards = [require_api_key]

    @post("/", summary="Mint a one-time survey code for one dossier's receipt", status_code=201, responses=refusals({
        401: "No API key, or not a valid one: send Authorization: Bearer <key>.",
        403: "The counter is outside the unit of this API key.",
        404: "No active counter has this code.",
        409: "A receipt of this dossier was already answered: one dossier, one answer.",
        422: "No procedure has this code.",
        429: "This API key minted too many receipts in the last minute; see Retry-After.",
    }))
    async def create(self, request: Request, data: ReceiptRequestBody) -> Response[ReceiptCreated]:
        settings: Settings = request.app.state["settings"]
        key: apikeys.ApiKey = request.state["api_key"]
        try:
            minted = await mint(settings.secret_key, key, data.counter, data.procedure, data.dossier, data.valid_days,
                               settings.stratum_level, tz=settings.timezone)
        except ReceiptRefused as refused:
            answer = error_response(request, refused.status, str(refused))
            if refused.retry_after:
                answer.headers["Retry-After"] = str(refused.retry_after)
            return answer
        url = render.survey_url(settings.base_url, minted.token)
        body = ReceiptCreated(
            token=minted.token, url=url, expires_at=minted.expires_at, qr_svg=render.svg(url),
            qr_png_base64=base64.b64encode(render.png(url, box_size=6)).decode("ascii"),
        )
        return Response(body, status_code=201)
