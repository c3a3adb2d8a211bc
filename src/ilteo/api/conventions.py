"""The Open API's conventions, in one place so that tests can hold every ``/v1`` route to them.

- request ids: a client's ``X-Request-ID`` is echoed only when it is 1-64 safe characters
  (letters, digits, ``-``, ``_``, ``.``, ``:``); otherwise the app makes one (:func:`request_id`);
- request bodies: at most :data:`DEFAULT_BODY_LIMIT` bytes (larger limits per route in
  :data:`BODY_LIMITS`) → 413, JSON only → 415 (:class:`ConventionsMiddleware`), except
  ``multipart/form-data`` on the routes of :data:`MULTIPART_PATHS` (files to the one window);
- query parameters an operation does not declare → 422 (:func:`reject_unknown_query`);
- ``Deprecation`` (RFC 9745), ``Sunset`` (RFC 8594) and ``Link: rel="deprecation"`` on operations
  with a retiring field in :data:`DEPRECATIONS`, the field marked ``deprecated`` in OpenAPI;
- every ``/v1`` operation documents its problem responses as ``application/problem+json``
  (:func:`install_conventions` completes the OpenAPI document);
- ``ETag``/``If-None-Match`` → 304 for cacheable reads (:func:`not_modified`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ilteo.api.errors import PROBLEM_MEDIA_TYPE, problem
from ilteo.core.errors import InvalidInputError

API_PREFIX: Final = "/v1"
#: Request bodies larger than this are refused with 413 unless :data:`BODY_LIMITS` says more.
DEFAULT_BODY_LIMIT: Final = 1024 * 1024
#: Larger body limits, by path pattern: live lake batches carry up to 10,000 records; a request to
#: the one window carries up to 20 MB of files (ilteo.desk.attachments.MAX_TOTAL) and its form.
BODY_LIMITS: Final[tuple[tuple[re.Pattern[str], int], ...]] = (
    (re.compile(r"^/v1/lake/sources/[^/]+/batches$"), 32 * 1024 * 1024),
    (re.compile(r"^/v1/desk/requests/upload$"), 21 * 1024 * 1024),
)
#: Operations whose body is ``multipart/form-data`` (files) instead of JSON.
MULTIPART_PATHS: Final[tuple[re.Pattern[str], ...]] = (re.compile(r"^/v1/desk/requests/upload$"),)
_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def request_id(header: str | None) -> str:
    """The request id to use: the client's if it is safe to echo, else a new random one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Deprecation:
    """A response field that is retiring: where, since when, until when, and what to read."""

    method: str
    path: str
    field: str
    since: date
    sunset: date
    link: str

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``Deprecation: @<unix>``, ``Sunset: <HTTP-date>`` and ``Link: rel="deprecation"``."""
        since = int(datetime.combine(self.since, time(), UTC).timestamp())
        sunset = format_datetime(datetime.combine(self.sunset, time(), UTC), usegmt=True)
        return [
            (b"deprecation", f"@{since}".encode()),
            (b"sunset", sunset.encode()),
            (b"link", f'<{self.link}>; rel="deprecation"; type="text/html"'.encode()),
        ]


#: Retiring fields of the API. None today; add one when a field is renamed or removed.
DEPRECATIONS: Final[tuple[Deprecation, ...]] = ()


def _body_limit(path: str) -> int:
    for pattern, limit in BODY_LIMITS:
        if pattern.match(path):
            return limit
    return DEFAULT_BODY_LIMIT


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _is_multipart(content_type: str, path: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "multipart/form-data" and any(p.match(path) for p in MULTIPART_PATHS)


class ConventionsMiddleware:
    """Body size and media type of ``/v1`` requests; deprecation headers on their responses."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse too large or non-JSON bodies; add deprecation headers to retiring operations."""
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        limit = _body_limit(path)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, 413, f"{int(length):,} > {limit:,} bytes")
            return
        has_body = (length.isdigit() and int(length) > 0) or "transfer-encoding" in headers
        media = headers.get("content-type", "")
        if (
            scope["method"] in _BODY_METHODS
            and has_body
            and not (_is_json(media) or _is_multipart(media, path))
        ):
            detail = f"본문은 application/json이어야 합니다 / The body must be JSON, not {media!r}"
            await self._refuse(scope, receive, send, 415, detail)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"> {limit:,} bytes")
            return message

        async def send_with_deprecation(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                app = scope.get("app")
                registry: Iterable[Deprecation] = getattr(
                    getattr(app, "state", None), "deprecations", ()
                )
                for item in registry:
                    if (
                        isinstance(route, APIRoute)
                        and route.path == item.path
                        and item.method in (route.methods or set())
                    ):
                        message["headers"] = [*message.get("headers", []), *item.headers()]
            await send(message)

        await self.app(scope, limited, send_with_deprecation)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        from ilteo.api.errors import _HTTP_TITLES

        code, ko, en = _HTTP_TITLES[status]
        await problem(status, code, ko, en, detail, scope.get("path"))(scope, receive, send)


def _walk(dependant: Dependant) -> Iterable[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def query_names(dependant: Dependant) -> frozenset[str]:
    """Every query parameter an operation declares, its dependencies' included."""
    return frozenset(p.alias for d in _walk(dependant) for p in d.query_params)


def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the ``/v1`` operation does not declare (a 422 problem).

    Raises:
        InvalidInputError: A query parameter the operation does not know.
    """
    if not request.url.path.startswith(API_PREFIX + "/") or not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = getattr(route, "_ilteo_query_names", None)
    if known is None:
        known = query_names(route.dependant)
        route._ilteo_query_names = known  # type: ignore[attr-defined]
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidInputError(
            f"알 수 없는 쿼리 매개변수 / Unknown query parameter(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known)) or 'none'})",
            unknown=unknown,
        )


def etag_for(*parts: str) -> str:
    """A weak entity tag from what decides the answer (dataset versions, the request)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def not_modified(request: Request, response: Response, etag: str, cache_control: str) -> bool:
    """Set ``ETag`` and ``Cache-Control``; true when ``If-None-Match`` already holds ``etag``."""
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control
    given = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


_PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 문제 상세 / RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string", "description": "한국어 / English"},
        "title_ko": {"type": "string"},
        "title_en": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
    },
}
_PROBLEM_TEXT: Final = {
    400: "잘못된 요청 또는 JSON / Bad request or malformed JSON",
    401: "인증이 필요합니다 / Authentication required",
    403: "권한이 없습니다 / Forbidden",
    404: "찾을 수 없습니다 / Not found",
    413: "요청 본문이 너무 큽니다 / Request body too large",
    415: "지원하지 않는 형식입니다 / Unsupported media type",
    422: "입력값이 올바르지 않습니다 / Invalid input",
    429: "요청이 너무 많습니다 / Too many requests",
    500: "서버 내부 오류입니다 / Internal server error",
}


def _problem_statuses(operation: dict[str, Any], path: str) -> list[int]:
    statuses = [422, 429, 500]
    if "{" in path:
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [400, 413, 415]
    if operation.get("security"):
        statuses += [401, 403]
    return statuses


#: How callers authenticate, as OpenAPI security schemes (the guideline's AUT rules).
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "개인 API 키(ilteo_…) 또는 연결된 간편인증의 OAuth 액세스 토큰 / a personal "
        "API key (ilteo_…) or an OAuth access token of a linked simple-authentication identity",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "ilteo_session",
        "description": "로그인한 브라우저의 세션 / the session of a signed-in browser",
    },
    "sourceSystem": {
        "type": "http",
        "scheme": "bearer",
        "description": "원천 시스템 토큰(ILTEO_LAKE_INGEST_TOKEN) / a source system's token",
    },
}

_HEADER_TEXT = {
    "X-Request-ID": "요청 ID(보낸 값 또는 새 값) / the request id (echoed when safe, else new)",
    "RateLimit-Limit": "현재 창의 한도 / the limit of the current window",
    "RateLimit-Remaining": "남은 요청 수 / requests left in the window",
    "RateLimit-Reset": "창이 끝날 때까지 초 / seconds until the window resets",
    "RateLimit-Policy": "적용된 정책 / the policy applied (IETF httpapi draft)",
    "Retry-After": "다시 시도할 때까지 초 / seconds to wait before retrying",
    "ETag": "표현의 검증자(If-None-Match → 304) / the validator (If-None-Match → 304)",
}


def _headers(*names: str) -> dict[str, Any]:
    return {
        name: {
            "description": _HEADER_TEXT[name],
            "schema": {
                "type": "integer"
                if name.startswith(("RateLimit-L", "RateLimit-Rem", "RateLimit-Res", "Retry"))
                else "string"
            },
        }
        for name in names
    }


def _document_headers(path: str, method: str, responses: dict[str, Any]) -> None:
    """Name the headers every ``/v1`` answer carries: request id, rate limits, ETag."""
    limits = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")
    for status, entry in responses.items():
        names: tuple[str, ...] = ("X-Request-ID", *limits)
        if status == "429":
            names = (*names, "Retry-After")
        if (
            status == "200"
            and method == "get"
            and path.startswith("/v1/reference/")
            and "{" in path
        ):
            names = (*names, "ETag")
        entry.setdefault("headers", {}).update(_headers(*names))


def _security(path: str, method: str, protected: set[tuple[str, str]]) -> list[dict[str, Any]]:
    from ilteo.api.ratelimit import is_source_system_call

    if is_source_system_call(method, path):
        return [{"sourceSystem": []}]
    if (method.upper(), path) in protected:
        return [{"apiKey": []}, {"session": []}]
    return []  # public by the written list (ilteo.api.access)


def complete_openapi(
    schema: dict[str, Any], deprecations: Iterable[Deprecation], protected: set[tuple[str, str]]
) -> dict[str, Any]:
    """Add problem responses, security, documented headers and deprecated-field marks."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = _PROBLEM_SCHEMA
    schema["components"]["securitySchemes"] = SECURITY_SCHEMES
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            operation["security"] = _security(path, method, protected)
        if not path.startswith(API_PREFIX + "/"):
            continue
        for method, operation in item.items():
            statuses = _problem_statuses(operation, path)
            if (method.upper(), path) in protected:
                statuses += [401, 403]
            responses = operation.setdefault("responses", {})
            for status in sorted(set(statuses)):
                entry = responses.setdefault(str(status), {"description": _PROBLEM_TEXT[status]})
                entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
            for status, entry in responses.items():
                if status.isdigit() and int(status) >= 400:
                    entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": ref}}
            _document_headers(path, method, responses)
    for item in deprecations:
        operation = schema["paths"].get(item.path, {}).get(item.method.lower())
        if operation is None:
            continue
        operation.setdefault("x-deprecated-fields", []).append(item.field)
        content = operation["responses"].get("200", {}).get("content", {})
        target = content.get("application/json", {}).get("schema", {})
        name = target.get("$ref", "").rsplit("/", 1)[-1]
        field = components.get(name, {}).get("properties", {}).get(item.field)
        if field is not None:
            field["deprecated"] = True
            field["description"] = (
                f"{field.get('description', '')} (지원 종료 / sunset {item.sunset.isoformat()})"
            ).strip()
    return schema


def _protected_operations(app: FastAPI) -> set[tuple[str, str]]:
    from fastapi.routing import iter_route_contexts

    from ilteo.api.access import PROTECTING_DEPENDENCIES

    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or not route.path:
            continue
        names = {getattr(d.call, "__name__", "") for d in _walk(dependant)}
        if names & PROTECTING_DEPENDENCIES:
            found |= {(m, route.path) for m in (route.methods or set())}
    return found


def install_conventions(app: FastAPI) -> None:
    """Install the middleware, the unknown-query check and the OpenAPI completion on ``app``.

    Call before the ``/v1`` routers are included (the query check is an app dependency).
    """
    from fastapi import Depends

    app.state.deprecations = list(DEPRECATIONS)
    app.add_middleware(ConventionsMiddleware)
    app.router.dependencies.append(Depends(reject_unknown_query))
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            app.openapi_schema = complete_openapi(
                schema, app.state.deprecations, _protected_operations(app)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
