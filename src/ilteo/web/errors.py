"""HTML error pages for the web door; the JSON API keeps its problem+json answers.

:func:`install_page_error_handlers` wraps the app's existing handlers: a request for a page gets an
HTML page in its language, a request under ``/v1``, ``/mcp``, ``/healthz`` or ``/static`` (or one
that does not accept HTML) still gets the problem+json response of :mod:`ilteo.api.errors`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ilteo.core.errors import IlteoError
from ilteo.web.i18n import Translator
from ilteo.web.rendering import render, request_language

#: Paths that belong to machine clients: their errors stay problem+json.
MACHINE_PREFIXES: Final = ("/v1", "/mcp", "/healthz", "/static")
#: Error codes that have their own heading and message in the catalogues (``errors.<code>``).
PAGE_ERROR_CODES: Final = frozenset(
    {"not-found", "invalid-input", "method-not-allowed", "data-unavailable", "forbidden", "error"}
)
_HTTP_CODES: Final = {
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    422: "invalid-input",
}

#: The shape Starlette keeps exception handlers in (sync or async).
Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def wants_page(request: Request) -> bool:
    """Whether an error should be answered with an HTML page rather than problem+json.

    A path under :data:`MACHINE_PREFIXES` never gets HTML; any other path gets HTML unless the
    client asks only for something else (``Accept: application/json``).
    """
    path = request.url.path
    if any(path == prefix or path.startswith(prefix + "/") for prefix in MACHINE_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    return not accept or "text/html" in accept or "*/*" in accept


def error_page(request: Request, status: int, code: str, detail: str | None = None) -> Response:
    """Render the error page for ``status`` with the heading of error ``code``."""
    t = Translator(request_language(request))
    key = code if code in PAGE_ERROR_CODES else "error"
    return render(
        request,
        "error.html",
        page_title=t(f"errors.{key}.title"),
        status_code=status,
        heading=t(f"errors.{key}.title"),
        message=t(f"errors.{key}.body"),
        detail=detail,
        status=status,
    )


def _page_code(exc: Exception) -> tuple[int, str, str | None]:
    if isinstance(exc, IlteoError):
        return exc.status, exc.code, exc.detail
    if isinstance(exc, StarletteHTTPException):
        # Starlette's details ("Not Found") are English-only; the page says it in both languages.
        return exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), None
    return 422, "invalid-input", None


def _wrap(previous: Handler | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        if previous is not None and not wants_page(request):
            response = previous(request, exc)
            return await response if inspect.isawaitable(response) else response
        status, code, detail = _page_code(exc)
        return error_page(request, status, code, detail)

    return handler


def install_page_error_handlers(app: FastAPI) -> None:
    """Answer page requests' errors with HTML, delegating everything else to the API handlers."""
    for exc_class in (StarletteHTTPException, IlteoError, RequestValidationError):
        previous = app.exception_handlers.get(exc_class)
        app.add_exception_handler(exc_class, _wrap(previous))
