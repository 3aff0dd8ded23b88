"""Every failure becomes a clear JSON body or HTML page; a traceback never reaches a client.

API paths and clients that do not ask for HTML get an ``ErrorBody`` as JSON; browsers get a short page in
Vietnamese and English.
"""

from __future__ import annotations

import logging
import uuid
from html import escape
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from survey.db.availability import is_unavailable
from survey.logs import loggable_path

log = logging.getLogger("survey.errors")
BUSY = "Hệ thống đang bận, vui lòng thử lại sau ít giây. / The system is busy; please try again in a few seconds."

NUL_REFUSED = "Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL). / The request contains a character that is not allowed (NUL)."
_TEXT_POSTGRESQL_REFUSES = {"22021", "22P05"}  # character_not_in_repertoire, untranslatable_character

_TITLES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần đăng nhập", "Login required"),
    403: ("Không có quyền truy cập", "Forbidden"),
    404: ("Không tìm thấy trang", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    409: ("Xung đột dữ liệu", "Conflict"),
    413: ("Dữ liệu gửi lên quá lớn", "Request too large"),
    429: ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests"),
    503: ("Hệ thống đang bận, vui lòng thử lại", "Service busy, please try again"),
}


class ErrorBody(msgspec.Struct):
    """The JSON answer to every refused or failed request, whichever part of the platform refused it."""

    status: int
    error: str
    detail: str
    # One message per field: answer codes for invalid answers, body fields (``data`` for the body as a whole)
    # or parameters for a malformed request.
    errors: dict[str, str] | msgspec.UnsetType = msgspec.UNSET


class JsonBodyRequest(Request):
    """A request whose JSON body, when it is not UTF-8 or nested too deeply, is refused as malformed (400)
    like any undecodable body.

    msgspec raises ``UnicodeDecodeError`` for invalid UTF-8 inside a string, which litestar does not take for
    a decoding failure and would answer with a 500.
    """

    async def json(self) -> Any:
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise ClientException("the body is not valid UTF-8") from None
        except RecursionError:  # msgspec's own depth limit, met by arrays nested thousands deep
            raise ClientException("the body is nested too deeply") from None


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/healthz", "/schema")):
        return True
    return "text/html" not in request.headers.get("accept", "")


def error_page(status: int, detail: str) -> str:
    vi, en = _TITLES.get(status, ("Đã có lỗi xảy ra", "Something went wrong"))
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{status} {escape(vi)}</title>"
        # The officer stylesheet, not an inline <style>: the Content-Security-Policy (default-src 'self')
        # blocks inline styles, which left this page unstyled.
        '<link rel="stylesheet" href="/static/officer.css"></head><body class="error-page">'
        f'<main id="main"><div class="card"><h1>{escape(vi)}</h1><p lang="en" class="muted">{escape(en)}</p>'
        f"<p>{escape(detail)}</p>"
        '<p><a class="button" href="/">Trang chủ / Home</a></p></div></main></body></html>'
    )


def error_response(request: Request, status: int, detail: str, errors: dict[str, str] | None = None) -> Response:
    headers = {"Retry-After": "5"} if status == 503 else None
    if wants_json(request):
        _vi, en = _TITLES.get(status, ("", "Error"))
        body = ErrorBody(status=status, error=en, detail=detail, errors=msgspec.UNSET if errors is None else errors)
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    return Response(error_page(status, detail), status_code=status, media_type=MediaType.HTML, headers=headers)


def messages_by_field(problems: list[dict]) -> dict[str, str]:
    """litestar's ``[{key, message, source}]`` as the one message per field that invalid answers also get."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        field = problem.get("key") or problem.get("source") or "request"
        by_field.setdefault(field, []).append(problem["message"])
    return {field: "; ".join(messages) for field, messages in by_field.items()}


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    errors = None
    if isinstance(exc, ValidationException) and exc.extra:
        errors = messages_by_field(exc.extra)
    return error_response(request, exc.status_code, exc.detail, errors)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    if getattr(exc, "sqlstate", None) in _TEXT_POSTGRESQL_REFUSES:
        # A NUL character in a name, a parameter or a comment: SQLite stores it, PostgreSQL refuses the text.
        return error_response(request, 400, NUL_REFUSED)
    if is_unavailable(exc):
        # A database that is busy, full, read-only or down is a reason to come back, not an internal error.
        log.warning("database unavailable", extra={"path": loggable_path(request.url.path)})
        return error_response(request, 503, BUSY)
    error_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error", extra={"error_id": error_id, "path": loggable_path(request.url.path)})
    return error_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        f"Lỗi hệ thống, mã lỗi {error_id}. / Internal error, reference {error_id}.",
    )


EXCEPTION_HANDLERS = {HTTPException: handle_http_exception, Exception: handle_unexpected}
