"""Security headers on every response, with a per-request CSP nonce for inline scripts.

Pages use no inline script or style; the one inline script the app serves (Swagger UI's loader
at ``/v1/docs``) carries ``request.state.csp_nonce``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import FastAPI, Request, Response

#: Headers that do not depend on the request.
STATIC_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Two years of HTTPS-only, subdomains included; not sent in ``dev`` (plain-HTTP localhost).
HSTS: Final = "max-age=63072000; includeSubDomains"


def content_security_policy(nonce: str) -> str:
    """The CSP of a response: same-origin only, inline code only with ``nonce``.

    >>> "'nonce-abc'" in content_security_policy("abc")
    True
    """
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install_security_headers(app: FastAPI) -> None:
    """Add the headers middleware to ``app`` (a nonce per request in ``request.state``)."""

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        nonce = secrets.token_urlsafe(16)
        request.state.csp_nonce = nonce
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        settings = getattr(request.app.state, "settings", None)
        if settings is not None and settings.env != "dev":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
