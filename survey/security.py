"""Security headers on every response.

Officer pages get a strict Content-Security-Policy (no inline scripts or styles: everything comes from
/static). The citizen survey is one self-contained request, so its small stylesheet is inline and allowed
there, and so are the error pages' styles; scripts are never allowed inline anywhere.
"""

from __future__ import annotations

from litestar.types import BeforeMessageSendHookHandler, Message, Scope

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# Citizen pages and error pages carry their small stylesheet inline (one request on a slow network).
PAGE_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
STRICT_PREFIXES = ("/officer", "/login", "/logout", "/static")
NO_STORE_PREFIXES = ("/officer", "/login", "/q/", "/api/")

COMMON = {
    "x-content-type-options": "nosniff",
    # Survey and receipt URLs carry tokens: never leak them to another site through Referer.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
CSP = b"content-security-policy"


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def security_headers(behind_tls: bool) -> BeforeMessageSendHookHandler:
    """A before-send hook: it sees every response, including the router's own 404 and 405 answers.

    Every response passes here, so the headers are encoded once and the response's header list is read in
    one pass (a handler's own value of a header set here is replaced; its own CSP is kept).
    """
    always = {**COMMON, **({"strict-transport-security": HSTS} if behind_tls else {})}
    # Indexed by whether the path is a no-store one.
    added = (_encoded(always), _encoded({**always, "cache-control": "no-store"}))
    replaced = tuple(frozenset(name for name, _ in headers) for headers in added)
    strict_csp, page_csp = ((CSP, value.encode("latin-1")) for value in (STRICT_CSP, PAGE_CSP))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path: str = scope["path"]
        no_store = path.startswith(NO_STORE_PREFIXES)
        headers = [header for header in message.get("headers", ()) if header[0].lower() not in replaced[no_store]]
        if not any(name.lower() == CSP for name, _ in headers):
            headers.append(strict_csp if path.startswith(STRICT_PREFIXES) else page_csp)
        headers.extend(added[no_store])
        message["headers"] = headers

    return add_headers
