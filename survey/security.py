"""Security headers on every response.

Officer pages get a strict Content-Security-Policy (no inline scripts or styles: everything comes from
/static). The citizen survey is one self-contained request, so its small stylesheet is inline and allowed
there, and so are the error pages' styles; scripts are never allowed inline anywhere.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
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


def security_headers(behind_tls: bool) -> BeforeMessageSendHookHandler:
    """A before-send hook: it sees every response, including the router's own 404 and 405 answers."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path: str = scope["path"]
        headers = MutableScopeHeaders.from_message(message)
        for name, value in COMMON.items():
            headers[name] = value
        if "content-security-policy" not in headers:
            headers["content-security-policy"] = STRICT_CSP if path.startswith(STRICT_PREFIXES) else PAGE_CSP
        if path.startswith(NO_STORE_PREFIXES):
            headers["cache-control"] = "no-store"
        if behind_tls:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"

    return add_headers
