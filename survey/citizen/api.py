"""``POST /api/v1/responses``: the same submission as the survey page, as JSON, idempotent by key.

The idempotency key becomes the response's nonce (keyed with the token, so two devices choosing the same key
never collide): a request with a used key gets the first request's thank-you again (``Idempotent-Replayed``),
whatever answers it carries, and stores nothing. Keys must be random (``key_looks_random``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from litestar import Controller, Request, Response, post

import instruments
from instruments import AnswerErrors
from survey.citizen import presence
from survey.citizen.controllers import device_of
from survey.citizen.page import words
from survey.citizen.schemas import NOT_RANDOM, ResponseReceived, ResponseSubmissionBody, key_looks_random
from survey.citizen.submissions import Stored, Submission, find_by_nonce
from survey.citizen.targets import RECEIPT_USED, TargetRefused, procedure_codes, resolve_or_unavailable
from survey.citizen.writer import store
from survey.core.responses import Channel
from survey.db.availability import DatabaseUnavailable, unavailability_reported
from survey.errors import JsonBodyRequest, error_response
from survey.openapi import refusals
from survey.settings import Settings

BUSY = "the database is busy; send the same request again"


def api_nonce(secret_key: str, token: str, key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"idempotency:{token}\n{key}".encode(), hashlib.sha256).hexdigest()
    return "api:" + digest[:56]


def _as_form(answers: dict[str, str | int | None]) -> dict[str, str]:
    return {code: "" if value is None else str(value) for code, value in answers.items()}


class ResponseApiController(Controller):
    path = "/api/v1/responses"
    request_class = JsonBodyRequest
    tags = ["citizen"]

    @post("/", summary="Submit one questionnaire (kiosks and apps)", status_code=201, responses=refusals({
        400: "The body is malformed, or the idempotency key is not a random one (a UUID4, 16+ random bytes).",
        404: "The token was not issued by this service.",
        409: "The receipt was already answered (with another idempotency key).",
        410: "The QR code is retired, the counter closed, or the receipt expired.",
        422: "Some answers are not valid; `errors` gives a message per question.",
        503: "The database is busy or unreachable; send the same request again (see Retry-After).",
    }))
    async def submit(self, request: Request, data: ResponseSubmissionBody) -> Response[ResponseReceived]:
        """Answers are checked before the key is looked up, and every replay of a used key gets the same
        answer whatever answers it carries: neither tells someone holding a poster's token which keys were
        used, nor what was answered under them."""
        settings: Settings = request.app.state["settings"]
        if not key_looks_random(data.idempotency_key):
            return error_response(request, 400, "malformed request", {"idempotency_key": NOT_RANDOM})
        answers = _as_form(data.answers)
        nonce = api_nonce(settings.secret_key, data.token, data.idempotency_key)
        received = ResponseReceived(received=True, message=words(data.lang)["thanks"])
        replayed = Response(received, status_code=201, headers={"Idempotent-Replayed": "true"})
        stored: Stored | None = None
        try:
            try:
                target = await resolve_or_unavailable(data.token, settings.secret_key, settings.stratum_level)
                instrument = instruments.get(target.place.instrument_key)
            except TargetRefused as refused:
                # An answered receipt takes no new answers, but the kiosk that answered it gets its replay.
                with unavailability_reported():
                    stored = await find_by_nonce(nonce) if refused.refusal is RECEIPT_USED else None
                if stored is None:
                    raise
                instrument = instruments.get(stored.instrument_key, stored.instrument_version)
            try:
                cleaned = instrument.validate_answers(answers, procedures=await procedure_codes())
            except AnswerErrors as errors:
                return error_response(request, 422, "some answers are not valid", errors.messages(data.lang))
            if stored is None:
                with unavailability_reported():
                    stored = await find_by_nonce(nonce)
            if stored is not None:
                return replayed
            device, network = device_of(request, settings)
            submission = Submission(
                target=target, instrument=instrument, answers=cleaned, nonce=nonce,
                channel=Channel.RECEIPT if target.channel == Channel.RECEIPT else data.channel, device=device,
                network=network,
                presence_unproven=presence.unproven(settings.secret_key, target, None, time.time()),
            )
            stored = await store(submission, settings.timezone)
        except TargetRefused as refused:
            return error_response(request, refused.refusal.status, refused.refusal.text(data.lang))
        except DatabaseUnavailable:
            return error_response(request, 503, BUSY)
        return replayed if stored.duplicate else Response(received, status_code=201)
