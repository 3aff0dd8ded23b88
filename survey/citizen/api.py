"""``POST /api/v1/responses``: the same submission as the survey page, as JSON, idempotent by key.

The idempotency key becomes the response's nonce (keyed with the token, so two devices choosing the same key
never collide): the same key and the same answers give the same result again; the same key with other
answers is a 409 conflict.
"""

from __future__ import annotations

import hashlib
import hmac

from litestar import Controller, Request, Response, post

import instruments
from instruments import AnswerErrors
from survey.citizen.controllers import device_of
from survey.citizen.page import words
from survey.citizen.schemas import ResponseReceived, ResponseSubmissionBody
from survey.citizen.submissions import Stored, Submission, find_by_nonce, stored_answers
from survey.citizen.targets import TargetRefused, procedure_codes, resolve_or_unavailable
from survey.citizen.writer import store
from survey.core.responses import Channel
from survey.db.availability import DatabaseUnavailable, unavailability_reported
from survey.errors import JsonBodyRequest, error_response
from survey.openapi import refusals
from survey.settings import Settings

CONFLICT = "this idempotency key was already used with different answers"
BUSY = "the database is busy; send the same request again"


def api_nonce(secret_key: str, token: str, key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"idempotency:{token}\n{key}".encode(), hashlib.sha256).hexdigest()
    return "api:" + digest[:56]


def _as_form(answers: dict[str, str | int | None]) -> dict[str, str]:
    return {code: "" if value is None else str(value) for code, value in answers.items()}


async def _same_answers(stored: Stored, answers: dict[str, str]) -> bool:
    instrument = instruments.get(stored.instrument_key, stored.instrument_version)
    try:
        cleaned = instrument.validate_answers(answers, procedures=await procedure_codes())
    except AnswerErrors:
        return False
    return cleaned == await stored_answers(stored.response_id)


class ResponseApiController(Controller):
    path = "/api/v1/responses"
    request_class = JsonBodyRequest
    tags = ["citizen"]

    @post("/", summary="Submit one questionnaire (kiosks and apps)", status_code=201, responses=refusals({
        404: "The token was not issued by this service.",
        409: "This idempotency key was used with other answers, or the receipt was already answered.",
        410: "The QR code is retired, the counter closed, or the receipt expired.",
        422: "Some answers are not valid; `errors` gives a message per question.",
        503: "The database is busy or unreachable; send the same request again (see Retry-After).",
    }))
    async def submit(self, request: Request, data: ResponseSubmissionBody) -> Response[ResponseReceived]:
        settings: Settings = request.app.state["settings"]
        answers = _as_form(data.answers)
        nonce = api_nonce(settings.secret_key, data.token, data.idempotency_key)
        received = ResponseReceived(received=True, message=words(data.lang)["thanks"])

        async def replay(stored: Stored) -> Response:
            if not await _same_answers(stored, answers):
                return error_response(request, 409, CONFLICT)
            return Response(received, status_code=201, headers={"Idempotent-Replayed": "true"})

        try:
            with unavailability_reported():
                stored = await find_by_nonce(nonce)
            if stored:
                return await replay(stored)
            target = await resolve_or_unavailable(data.token, settings.secret_key, settings.stratum_level)
        except TargetRefused as refused:
            return error_response(request, refused.refusal.status, refused.refusal.text(data.lang))
        except DatabaseUnavailable:
            return error_response(request, 503, BUSY)
        instrument = instruments.get(target.place.instrument_key)
        try:
            cleaned = instrument.validate_answers(answers, procedures=await procedure_codes())
        except AnswerErrors as errors:
            return error_response(request, 422, "some answers are not valid", errors.messages(data.lang))
        device, network = device_of(request, settings)
        submission = Submission(
            target=target, instrument=instrument, answers=cleaned, nonce=nonce,
            channel=Channel.RECEIPT if target.channel == Channel.RECEIPT else data.channel, device=device,
            network=network,
        )
        try:
            stored = await store(submission, settings.timezone)
        except TargetRefused as refused:
            return error_response(request, refused.refusal.status, refused.refusal.text(data.lang))
        except DatabaseUnavailable:
            return error_response(request, 503, BUSY)
        if stored.duplicate:
            return await replay(stored)
        return Response(received, status_code=201)
