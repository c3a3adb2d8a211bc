"""Security headers on every response, with a per-request CSP nonce for inline scripts.

Pages use no inline script or style; the one inline script the app serves (Swagger UI's loader
at ``/v1/docs``) carries ``request.state.csp_nonce``.
"""

from __future__ import annotations

import secrets
from typing import Final

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class SecurityHeadersMiddleware:
    """Pure ASGI: a CSP nonce in ``request.state.csp_nonce``, the security headers on the answer.

    Headers the route already set win (``setdefault`` semantics); HSTS outside ``dev`` only.
    """

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        """Wrap ``app``; ``hsts`` adds Strict-Transport-Security."""
        self.app = app
        self.fixed = [(k.lower().encode(), v.encode()) for k, v in STATIC_HEADERS.items()]
        if hsts:
            self.fixed.append((b"strict-transport-security", HSTS.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to every HTTP answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in present:
                    headers.append(
                        (b"content-security-policy", content_security_policy(nonce).encode())
                    )
                headers.extend(item for item in self.fixed if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI) -> None:
    """Add the headers middleware to ``app`` (a nonce per request in ``request.state``)."""
    settings = getattr(app.state, "settings", None)
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=settings is not None and settings.env != "dev"
    )
