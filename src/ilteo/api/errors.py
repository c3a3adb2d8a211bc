"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``.

The ``type`` is a stable URI built from the error's ``code``; ``title`` is Korean first with the
English after a slash, and ``title_en`` carries the English alone for clients that want it.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ilteo.core.errors import IlteoError

PROBLEM_BASE = "https://ilteo.kr/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

#: The request id of the request being answered (set by the app's request-id middleware).
REQUEST_ID: ContextVar[str | None] = ContextVar("ilteo_request_id", default=None)

_log = logging.getLogger(__name__)

_HTTP_TITLES: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "잘못된 요청입니다", "Bad request"),
    401: ("unauthorized", "인증이 필요합니다", "Authentication required"),
    403: ("forbidden", "권한이 없습니다", "Forbidden"),
    404: ("not-found", "찾을 수 없습니다", "Not found"),
    405: ("method-not-allowed", "허용되지 않은 방법입니다", "Method not allowed"),
    413: ("payload-too-large", "요청 본문이 너무 큽니다", "Request body too large"),
    415: ("unsupported-media-type", "지원하지 않는 형식입니다", "Unsupported media type"),
    422: ("invalid-input", "입력값이 올바르지 않습니다", "Invalid input"),
    429: ("rate-limited", "요청이 너무 많습니다", "Too many requests"),
    500: ("internal-error", "서버 내부 오류입니다", "Internal server error"),
}


def problem(
    status: int,
    code: str,
    title_ko: str,
    title_en: str,
    detail: str | None = None,
    instance: str | None = None,
    /,
    **extra: Any,
) -> JSONResponse:
    """Build a problem+json response.

    ``extra`` members (an error's context, e.g. the ``system`` and ``code`` looked up) are added
    to the body but never replace the standard members. The named parameters are positional-only
    so that an extra named ``code`` or ``status`` cannot collide with them. The body carries the
    ``request_id`` of the request being answered, and the response its ``X-Request-ID``.
    """
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": f"{title_ko} / {title_en}",
        "title_ko": title_ko,
        "title_en": title_en,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = REQUEST_ID.get()
    if request_id:
        body["request_id"] = request_id
    for name, value in extra.items():
        body.setdefault(name, value)
    response = JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


async def _ilteo_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IlteoError)  # noqa: S101 - registered for IlteoError only
    return problem(
        exc.status, exc.code, exc.title_ko, exc.title_en, exc.detail, request.url.path, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    code, ko, en = _HTTP_TITLES.get(
        exc.status_code,
        (
            "http-" + str(exc.status_code),
            HTTPStatus(exc.status_code).phrase,
            HTTPStatus(exc.status_code).phrase,
        ),
    )
    detail = exc.detail if isinstance(exc.detail, str) else None
    response = problem(exc.status_code, code, ko, en, detail, request.url.path)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    broken = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if broken:
        ctx = broken[0].get("ctx") or {}
        return problem(
            400,
            "malformed-json",
            "JSON 형식이 잘못되었습니다",
            "Malformed JSON",
            "요청 본문이 올바른 JSON이 아닙니다 / The body is not valid JSON: "
            f"{ctx.get('error', '')} (at {'.'.join(map(str, broken[0].get('loc', ())))})",
            request.url.path,
        )
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return problem(
        422,
        "invalid-input",
        "입력값이 올바르지 않습니다",
        "Invalid input",
        "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors),
        request.url.path,
        errors=errors,
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    """Any unexpected error: logged with its traceback, answered without one."""
    _log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    rid = getattr(request.state, "request_id", None)
    token = REQUEST_ID.set(rid) if rid and REQUEST_ID.get() is None else None
    try:
        return problem(500, *_HTTP_TITLES[500], None, request.url.path)
    finally:
        if token is not None:
            REQUEST_ID.reset(token)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error a problem+json response, an unexpected one a 500 without a traceback."""
    app.add_exception_handler(Exception, _server_error)
    app.add_exception_handler(IlteoError, _ilteo_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
