"""``GET /q/<token>`` shows the survey, ``POST /q/<token>`` stores it: plain HTML forms, no JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.exceptions import ServiceUnavailableException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.template import TemplateEngineProtocol

import instruments
from instruments import AnswerErrors
from survey.citizen import issuance, presence
from survey.citizen import nonce as nonces
from survey.citizen.device import device_hash, network_hash
from survey.citizen.page import PageState, context, form_values, language, words
from survey.citizen.submissions import Stored, Submission, find_by_nonce
from survey.citizen.targets import (
    RECEIPT_USED,
    Target,
    TargetRefused,
    procedure_codes,
    procedures,
    resolve_or_unavailable,
)
from survey.citizen.writer import store
from survey.compression import ENCODED, accepts_gzip, compress
from survey.db.availability import DatabaseUnavailable
from survey.feedback import contacts
from survey.settings import Settings

NO_STORE = {"Cache-Control": "no-store"}
MESSAGE = "citizen/message.html"
RETRY_AFTER_S = 5
TOO_MANY_RETRY_S = 60

CROSS_SITE = ("Biểu mẫu này chỉ gửi được từ trang đánh giá. Vui lòng quét lại mã QR.",
              "This form can only be sent from the survey page. Please scan the QR code again.")
BAD_FORM = ("Biểu mẫu không hợp lệ. Vui lòng mở lại trang đánh giá.",
            "The form is not valid. Please open the survey page again.")
TOO_MANY_FORMS = ("Thiết bị này đã mở trang đánh giá quá nhiều lần. Vui lòng thử lại sau ít phút.",
                  "This device opened the survey too many times. Please try again in a few minutes.")
EXPIRED_FORM = ("Biểu mẫu đã mở quá lâu. Câu trả lời vẫn còn nguyên, vui lòng bấm Gửi đánh giá lần nữa.",
                "The form was open too long. Your answers are kept; please press Send once more.")


def _headers(status: int) -> dict[str, str]:
    if status in (429, 503):
        return {**NO_STORE, "Retry-After": str(RETRY_AFTER_S if status == 503 else TOO_MANY_RETRY_S)}
    return dict(NO_STORE)


def _message(lang: str, status: int, heading: str, *lines: str, resubmit: dict | None = None) -> Template:
    return Template(MESSAGE, status_code=status, headers=_headers(status),
                    context={"lang": lang, "heading": heading, "lines": lines, "resubmit": resubmit})


def _refused(lang: str, refused: TargetRefused) -> Template:
    heading = "Không thể mở trang đánh giá" if lang == "vi" else "The survey cannot be opened"
    return _message(lang, refused.refusal.status, heading, refused.refusal.text(lang))


@lru_cache(maxsize=16)
def _thanks_page(engine: TemplateEngineProtocol, lang: str, duplicate: bool) -> tuple[bytes, bytes]:
    """The thank-you page, plain and gzipped. It is the answer to nearly every submission and depends only
    on these arguments: rendered and compressed once per process instead of once per citizen."""
    w = words(lang)
    lines = [w["thanks_text"]] + ([w["already"]] if duplicate else [])
    context = {"lang": lang, "heading": w["thanks"], "lines": lines, "resubmit": None}
    page = engine.get_template(MESSAGE).render(**context).encode()
    return page, compress(page)


def _thanks(request: Request, lang: str, stored: Stored) -> Response:
    page, compressed = _thanks_page(request.app.template_engine, lang, stored.duplicate)
    headers = _headers(200)
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        page = compressed
        headers.update(ENCODED)
    return Response(page, status_code=200, media_type=MediaType.HTML, headers=headers)


async def _posted(request: Request) -> dict[str, list[str]]:
    """The posted fields, each with its values. A phone posts a URL-encoded form, read here in one step
    (litestar's own parser builds a multi-dict first); other encodings go through that parser."""
    if request.content_type[0] == RequestEncodingType.URL_ENCODED:
        return parse_qs((await request.body()).decode("latin-1"), keep_blank_values=True)
    return (await request.form()).dict()


async def _form(
    settings: Settings, target: Target, lang: str, state: PageState, client: str, status: int = 200,
    nonce: str | None = None,
) -> Template:
    """The survey page; a new nonce (unless ``nonce``) bound to the form cookie ``client`` (a new one if "")."""
    client = client or issuance.new_client()
    instrument = instruments.get(target.place.instrument_key)
    page = context(target, instrument, lang, await procedures(),
                   nonce or nonces.issue(settings.secret_key, target.token, client=client), state)
    return Template("citizen/survey.html", context=page, status_code=status, headers=_headers(status),
                    cookies=[issuance.form_cookie(client, settings.behind_tls)])


def cross_site(request: Request, settings: Settings) -> bool:
    """Whether the browser says this POST comes from another site's page (Fetch Metadata, then Origin).

    A page elsewhere could otherwise make its visitors' browsers post ratings with nonces it fetched. A
    browser sends at least one of the two headers on every form POST; kiosks and apps use the JSON API with
    their own keys instead, and a client sending neither header is not a browser acting for another site.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        # Set by the browser itself, beyond a page's reach: it decides when present.
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    own = {_origin(settings.base_url), f"{request.url.scheme}://{request.headers.get('host', '')}"}
    return origin not in own


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def device_of(request: Request, settings: Settings) -> tuple[str, str]:
    """The keyed hashes of the client's address and of its network prefix (see ``device``)."""
    ip = request.client.host if request.client else ""
    now = datetime.now(UTC)
    return (device_hash(settings.secret_key, ip, now, settings.timezone),
            network_hash(settings.secret_key, ip, now, settings.timezone))


class SurveyPageController(Controller):
    path = "/q"
    tags = ["citizen"]
    include_in_schema = False

    @get("/{token:str}", summary="The survey page behind a QR code or receipt")
    async def show(self, request: Request, token: FromPath[str], lang: FromQuery[str | None] = None,
                   p: FromQuery[str | None] = None) -> Template:
        settings: Settings = request.app.state["settings"]
        lang = language(lang, settings.language)
        try:
            target = await resolve_or_unavailable(token, settings.secret_key, settings.stratum_level)
        except TargetRefused as refused:
            return _refused(lang, refused)
        except DatabaseUnavailable:
            raise ServiceUnavailableException("Hệ thống đang bận, vui lòng thử lại. / Busy, please try again.") from None
        limiter = request.app.state.get("form_pages")
        if limiter is None:
            limiter = request.app.state["form_pages"] = issuance.IssueLimiter(settings.form_pages_per_address)
        if not limiter.allow(device_of(request, settings)[0], token):
            return _message(lang, 429, TOO_MANY_FORMS[lang == "en"])
        # The code from the counter's screen (layer d) travels in a hidden field to the POST, which checks it.
        state = PageState(values={presence.FIELD: code} if (code := presence.clean(p)) else {})
        return await _form(settings, target, lang, state, issuance.client_of(request.cookies))

    @post("/{token:str}", summary="Store the answers")
    async def submit(self, request: Request, token: FromPath[str]) -> Response:
        settings: Settings = request.app.state["settings"]
        if cross_site(request, settings):
            lang = language(request.query_params.get("lang"), settings.language)
            return _message(lang, 403, CROSS_SITE[lang == "en"])
        raw = await _posted(request)
        values = form_values(raw)
        lang = language(values.get("lang"), settings.language)
        nonce = values.get("nonce", "")
        client = issuance.client_of(request.cookies)
        try:
            issued_at = nonces.check_signature(settings.secret_key, token, nonce, client)
        except nonces.NonceRefused:
            return _message(lang, 400, BAD_FORM[lang == "en"])
        try:
            target = await resolve_or_unavailable(token, settings.secret_key, settings.stratum_level)
        except TargetRefused as refused:
            stored = await find_by_nonce(nonce) if refused.refusal is RECEIPT_USED else None
            return _thanks(request, lang, stored) if stored else _refused(lang, refused)
        except DatabaseUnavailable:
            w = words(lang)
            return _message(lang, 503, w["busy"], resubmit={"token": token, "values": values, "label": w["retry"]})
        try:
            nonces.check_fresh(issued_at)
        except nonces.NonceRefused:
            stored = await find_by_nonce(nonce)
            if stored:
                return _thanks(request, lang, stored)
            state = PageState(values=values, errors={"_form": EXPIRED_FORM[lang == "en"]})
            return await _form(settings, target, lang, state, client, status=400)
        instrument = instruments.get(target.place.instrument_key)
        try:
            answers = instrument.validate_answers(
                raw, procedures=await procedure_codes(), ignore=("nonce", "lang", presence.FIELD, *contacts.FIELDS)
            )
            contact = contacts.offered(values)
        except AnswerErrors as errors:
            state = PageState(values=values, errors=errors.messages(lang))
            return await _form(settings, target, lang, state, client, status=422, nonce=nonce)
        except contacts.ContactInvalid:
            state = PageState(values=values, errors={contacts.CONTACT_FIELD: contacts.INVALID[lang]})
            return await _form(settings, target, lang, state, client, status=422, nonce=nonce)
        device, network = device_of(request, settings)
        submission = Submission(target=target, instrument=instrument, answers=answers, nonce=nonce,
                                channel=target.channel, device=device, network=network,
                                presence_unproven=presence.unproven(settings.secret_key, target,
                                                                    values.get(presence.FIELD), issued_at))
        try:
            stored = await store(submission, settings.timezone)
        except TargetRefused as refused:
            return _refused(lang, refused)
        except DatabaseUnavailable:
            return await _form(settings, target, lang, PageState(values=values, busy=True), client, status=503,
                               nonce=nonce)
        if contact:  # only with the citizen's consent (survey/feedback/contacts.py); kept once per response
            await contacts.keep(stored.response_id, contact, settings.secret_key)
        return _thanks(request, lang, stored)
