"""Open311 GeoReport v2: existing civic tools file and read requests of the one window.

Mounted at ``/open311/v2`` (not under ``/v1``: the paths, field names, form-encoded POST and the
error format ``[{"code": 400, "description": "..."}]`` are the GeoReport v2 specification's, so
that any GeoReport client works unchanged). One jurisdiction: :data:`JURISDICTION_ID`; another
``jurisdiction_id`` is refused with 404 as the specification says. Every resource comes as
``.json`` or ``.xml`` (the specification's schemaless XML, written by :func:`to_xml`; errors in
the format asked for).

- ``discovery.json``, ``services.json`` (one service per desk category: ``service_code`` is the
  category code), ``services/{service_code}.json`` (the attributes ``kind``, ``workplace_name``,
  ``workplace_brn`` for the categories about a workplace).
- ``POST requests.json`` needs ``api_key`` (a personal ilteo API key: its account files the
  request) and goes through :func:`ilteo.desk.intake.submit` (channel ``open311``); the answer
  carries the tracking number at once (``type`` realtime, no token). ``media_url`` is refused:
  the server never fetches a URL; files go through ``/v1/desk/requests``.
- ``GET requests.json`` and ``requests/{id}.json`` are public and show only what may be public
  about a labour complaint (:func:`public_row`): never the text, the contact, the workplace or a
  staff note; the address is cut to 시도 and 시군구. Requests filed without an account are never
  listed (their tracking number is what opens their status page). The filer's own requests,
  read with their ``api_key``, also carry the masked text.

Anonymous reads count in the same per-address bucket as anonymous ``/v1`` calls, a key's calls
in the key's bucket (:mod:`ilteo.api.ratelimit`). See ``docs/open311.md``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ilteo import __version__
from ilteo.core.errors import IlteoError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.desk.models import Request as DeskRequest
from ilteo.desk.taxonomy import CATEGORIES, Category

_log = logging.getLogger("ilteo.open311")

#: Where the router is mounted (app.py includes it without the ``/v1`` prefix).
PREFIX: Final = "/open311/v2"
#: The one jurisdiction served (the ministry's web root, as the specification suggests).
JURISDICTION_ID: Final = "moel.go.kr"
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
#: The specification's limit on a description (characters); longer is refused, not cut.
MAX_DESCRIPTION: Final = 4000
#: The largest POST body read (bytes): a 4,000-character Korean description is about 36 KB.
MAX_BODY: Final = 128 * 1024
#: At most this many requests per answer (the specification's default volume).
MAX_ROWS: Final = 1000
#: The longest date range of one query, and the default one.
MAX_SPAN: Final = timedelta(days=90)
SEOUL: Final = ZoneInfo("Asia/Seoul")
_FORM: Final = "application/x-www-form-urlencoded"
_ATTRIBUTE: Final = re.compile(r"^attribute\[([A-Za-z0-9_]{1,40})\](\[\])?$")

#: Our seven states and Open311's two: an answered request is resolved.
CLOSED_STATES: Final = frozenset({"answered", "closed"})
#: The public note of each state (never a member of staff's text).
STATUS_NOTES: Final[dict[str, str]] = {
    "received": "접수 / received",
    "classified": "분류 완료, 담당 배정 대기 / classified, waiting for a handler",
    "assigned": "담당자 배정 / assigned to a handler",
    "in_progress": "처리 중 / in progress",
    "waiting_citizen": "신청인 보완 대기 / waiting for the citizen",
    "answered": "답변 완료 / answered",
    "closed": "종결 / closed",
}
#: The handling organisation of each category, as the service's ``group``.
GROUPS: Final[dict[str, tuple[str, str]]] = {
    "labour_office": ("지방고용노동청·지청", "regional labour office"),
    "labour_commission": ("노동위원회", "labour relations commission"),
    "comwel": ("근로복지공단", "Korea Workers' Compensation and Welfare Service"),
    "job_centre": ("고용센터", "job centre"),
    "ministry": ("고용노동부", "Ministry of Employment and Labor"),
}
#: Categories about a workplace: their services take the workplace attributes (metadata true).
WORKPLACE_ORGANISATIONS: Final = frozenset({"labour_office", "labour_commission", "comwel"})
KINDS: Final[dict[str, str]] = {
    "inquiry": "문의 / inquiry",
    "complaint": "사업장에 대한 신고 / complaint about a workplace",
}


# --- errors in the specification's format ------------------------------------------------------


class Open311Error(Exception):
    """One or more errors, answered as ``[{"code": ..., "description": ...}]``."""

    def __init__(
        self, errors: list[tuple[int, str]], headers: dict[str, str] | None = None
    ) -> None:
        """Errors as (HTTP code, description); the first code is the answer's status."""
        super().__init__("; ".join(text for _, text in errors))
        self.errors = errors
        self.headers = headers or {}

    def response(self, fmt: str = "json") -> Response:
        """The list the specification shows, in JSON or (``fmt`` ``xml``) XML."""
        body = [{"code": code, "description": text} for code, text in self.errors]
        return render(fmt, "errors", body, status=self.errors[0][0], headers=self.headers)


def _fail(code: int, description: str) -> Open311Error:
    return Open311Error([(code, description)])


#: The element of each item of a list, by the list's element (the specification's XML).
_ITEMS: Final[dict[str, str]] = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
#: Characters XML 1.0 cannot carry (dropped from text: a control character in a request).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xml(root: str, data: Any) -> bytes:
    """The specification's schemaless XML of ``data`` under ``root`` (UTF-8, with a declaration).

    >>> to_xml("errors", [{"code": 404, "description": "a < b"}]).decode().splitlines()[1]
    '<errors><error><code>404</code><description>a &lt; b</description></error></errors>'
    """
    from xml.etree.ElementTree import Element, SubElement, tostring

    def fill(element: Element, value: Any) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                fill(SubElement(element, name), item)
        elif isinstance(value, list):
            for item in value:
                fill(SubElement(element, _ITEMS.get(element.tag, "item")), item)
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        elif value is not None:
            element.text = _NOT_XML.sub("", str(value))

    top = Element(root)
    fill(top, data)
    text: str = tostring(top, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def render(
    fmt: str,
    root: str,
    data: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``data`` as JSON (``application/json``) or XML (``text/xml``), as the resource asked."""
    if fmt == "xml":
        return Response(
            to_xml(root, data),
            status_code=status,
            headers=headers,
            media_type="text/xml; charset=utf-8",
        )
    return JSONResponse(data, status_code=status, headers=headers)


def _format(fmt: str) -> str:
    """The resource's format: ``json`` or ``xml``; anything else is a 404."""
    if fmt not in ("json", "xml"):
        raise _fail(404, f"format {fmt[:20]!r} is not served: use .json or .xml")
    return fmt


class Open311Route(APIRoute):
    """A route whose every error leaves in the GeoReport v2 error format, never problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler: errors become ``[{"code", "description"}]`` lists."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = "xml" if request.scope.get("path_params", {}).get("fmt") == "xml" else "json"
            try:
                return await handler(request)
            except Open311Error as error:
                return error.response(fmt)
            except RequestValidationError as error:
                names = sorted({str(e.get("loc", ("", ""))[-1]) for e in error.errors()})
                return _fail(400, f"invalid parameter(s): {', '.join(names)}").response(fmt)
            except HTTPException as error:
                return Open311Error([(error.status_code, str(error.detail))]).response(fmt)
            except NotFoundError as error:
                return _fail(404, error.detail).response(fmt)
            except InvalidInputError as error:
                return _fail(400, error.detail).response(fmt)
            except IlteoError as error:
                return _fail(error.status, error.detail).response(fmt)
            except Exception:  # the specification's "general service error", never a traceback
                _log.exception("open311.error path=%s", request.url.path)
                return _fail(
                    500, "General service error: try again later; if it persists, tell us"
                ).response(fmt)

        return guarded


# Not in /v1/openapi.json: the GeoReport v2 specification is this door's contract
# (docs/open311.md), and its form-encoded POST and error lists are not the /v1 conventions.
router = APIRouter(
    prefix=PREFIX, tags=["open311"], route_class=Open311Route, include_in_schema=False
)


# --- helpers ------------------------------------------------------------------------------------


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_jurisdiction(value: str | None) -> None:
    """Our one jurisdiction, or absent; anything else is a 404 as the specification says."""
    if value is not None and value.strip() and value.strip().lower() != JURISDICTION_ID:
        raise _fail(
            404, f"jurisdiction_id provided was not found (this endpoint serves {JURISDICTION_ID})"
        )


def _w3(moment: datetime) -> str:
    """An instant in the specification's w3 format with the Asia/Seoul offset."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SEOUL).isoformat(timespec="seconds")


def _end_of(day: date) -> str:
    """The last second of an Asia/Seoul day (a deadline is a day)."""
    return datetime.combine(day, time(23, 59, 59), SEOUL).isoformat(timespec="seconds")


def _values(request: Request, name: str) -> list[str]:
    """A query parameter declared several times or comma delimited; empty parts dropped."""
    found: list[str] = []
    for raw in request.query_params.getlist(name):
        found += [part.strip() for part in raw.split(",") if part.strip()]
    return found


def _one(request: Request, name: str) -> str | None:
    """A query parameter; empty is absent (the specification's "optional arguments" rule)."""
    value = request.query_params.get(name)
    return value.strip() if value is not None and value.strip() else None


def _admit(request: Request, caller: Caller | None) -> dict[str, str]:
    """Count the call in the caller's rate-limit bucket; a 429 error when it is used up."""
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return {}
    from ilteo.api.ratelimit import admit_caller

    settings = _settings(request)
    if caller is None:
        client = _client(request)
        decision = limiter.admit(
            f"ip:{client}", settings.api_anonymous_rate_per_minute, client=client
        )
    else:
        decision = admit_caller(
            limiter,
            key_id=caller.key_id,
            account_id=caller.account_id,
            rate=caller.rate,
            daily=caller.daily,
            client=_client(request),
        )
    headers: dict[str, str] = decision.headers()
    if not decision.admitted:
        raise Open311Error(
            [(429, f"too many requests: retry after {decision.reset} s")], headers=headers
        )
    return headers


@dataclass(frozen=True)
class Caller:
    """The account an ``api_key`` stands for, with the key's limits."""

    account_id: str
    key_id: str | None
    rate: int | None
    daily: int | None


def _resolve_key(request: Request, token: str) -> Caller:
    """The active account of an API key; 403 for an invalid, expired or revoked one (audited)."""
    from ilteo.core.db import session_scope
    from ilteo.identity.api_keys import resolve_bearer

    settings = _settings(request)
    with session_scope(settings) as session:  # a refusal's audit entry commits here
        caller = resolve_bearer(session, settings, token, client=_client(request))
        if caller is None:
            found = None
        else:
            found = Caller(
                caller.account.id, caller.key_id, caller.rate_per_minute, caller.daily_quota
            )
    if found is None:
        raise _fail(403, "api_key is invalid, expired or revoked")
    return found


def _read_key(request: Request) -> str | None:
    """The reader's key: ``api_key`` in the query, else an ``Authorization: Bearer`` header."""
    given = _one(request, "api_key")
    if given is None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            given = value.strip()
    return given


# --- services -----------------------------------------------------------------------------------


def _keywords(category: Category) -> str:
    words = [w.strip() for w in re.split(r"[·,]", category.label_ko) if w.strip()]
    words += [category.label_en.lower(), category.code.replace("_", " ")]
    return ", ".join(dict.fromkeys(words))


def service_json(category: Category) -> dict[str, Any]:
    """One service of the list: the desk category with its organisation as the group."""
    group_ko, group_en = GROUPS[category.organisation]
    return {
        "service_code": category.code,
        "service_name": category.label_ko,
        "description": f"{category.label_en} (handled by the {group_en})",
        "metadata": category.organisation in WORKPLACE_ORGANISATIONS,
        "type": "realtime",
        "keywords": _keywords(category),
        "group": group_ko,
    }


def _attributes(category: Category) -> list[dict[str, Any]]:
    if category.organisation not in WORKPLACE_ORGANISATIONS:
        return []
    return [
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "inquiry (default) or complaint",
            "order": 1,
            "description": "문의인가요, 사업장에 대한 신고인가요? / An inquiry, or a complaint "
            "about a workplace?",
            "values": [{"key": key, "name": name} for key, name in KINDS.items()],
        },
        {
            "variable": True,
            "code": "workplace_name",
            "datatype": "string",
            "required": False,
            "datatype_description": "at most 200 characters; required for a complaint",
            "order": 2,
            "description": "사업장 이름 / The workplace's name",
        },
        {
            "variable": True,
            "code": "workplace_brn",
            "datatype": "string",
            "required": False,
            "datatype_description": "사업자등록번호: 10 digits, hyphens allowed (123-45-67890)",
            "order": 3,
            "description": "사업장의 사업자등록번호(알면) / The workplace's business "
            "registration number, if known",
        },
    ]


def service_definition(category: Category) -> dict[str, Any]:
    """The service definition: its attributes (none for services without metadata)."""
    return {"service_code": category.code, "attributes": _attributes(category)}


@router.get("/discovery.{fmt}", summary="Open311 서비스 발견 / Service discovery")
def discovery(request: Request, fmt: str) -> Response:
    """Where the GeoReport v2 endpoint is and what it speaks."""
    _format(fmt)
    settings = _settings(request)
    base = str(request.base_url).rstrip("/")
    changeset = f"ilteo {__version__}"
    return render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": f"{base}/v1/docs - 일터 운영팀 / ilteo operators",
            "key_service": f"API 키 발급 / get an API key: {base}/account/api-keys",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{base}{PREFIX}",
                    "changeset": changeset,
                    "type": "production" if settings.env == "prod" else "test",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/services.{fmt}", summary="서비스 목록 / Service list")
def services(request: Request, fmt: str) -> Response:
    """One service per desk category."""
    _format(fmt)
    _check_jurisdiction(request.query_params.get("jurisdiction_id"))
    return render(fmt, "services", [service_json(c) for c in CATEGORIES.values()])


def _category(code: str) -> Category:
    category = CATEGORIES.get(code)
    if category is None:
        raise _fail(
            404, f"service_code {code[:60]!r} was not found (see services.json for the codes)"
        )
    return category


@router.get("/services/{service_code}.{fmt}", summary="서비스 정의 / Service definition")
def service(request: Request, service_code: str, fmt: str) -> Response:
    """The attributes a request of this service takes."""
    _format(fmt)
    _check_jurisdiction(request.query_params.get("jurisdiction_id"))
    return render(fmt, "service_definition", service_definition(_category(service_code)))


# --- filing a request ---------------------------------------------------------------------------


async def _form(request: Request) -> list[tuple[str, str]]:
    """The form-encoded body (UTF-8), at most :data:`MAX_BODY` bytes."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != _FORM:
        raise _fail(415, f"send the request as {_FORM} (the GeoReport v2 POST format)")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise _fail(413, f"the request body is larger than {MAX_BODY:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _fail(413, f"the request body is larger than {MAX_BODY:,} bytes")
    try:
        text = body.decode("utf-8")
        return parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, max_num_fields=200,
            encoding="utf-8", errors="strict",
        )  # fmt: skip
    except (UnicodeDecodeError, ValueError) as error:
        raise _fail(400, f"the body is not UTF-8 form data: {error}") from error


@dataclass(frozen=True)
class Filing:
    """A checked POST: what goes to :func:`ilteo.desk.intake.submit`."""

    api_key: str
    category: Category
    text: str
    kind: str
    contact: str | None
    workplace_name: str | None
    workplace_address: str | None
    workplace_brn: str | None
    latitude: float | None
    longitude: float | None


def _coordinate(name: str, raw: str, bound: float, errors: list[tuple[int, str]]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -bound <= value <= bound:
        errors.append((400, f"{name} must be a number from -{bound:g} to {bound:g} (WGS84)"))
        return None
    return value


def _split(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Plain fields (empty ones dropped: absent) and ``attribute[code]`` values."""
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in pairs:
        found = _ATTRIBUTE.match(name)
        if found:
            attributes.setdefault(found.group(1), []).append(value.strip())
        elif value.strip():
            fields.setdefault(name, value.strip())
    return fields, attributes


def _text(fields: dict[str, str], errors: list[tuple[int, str]]) -> str:
    text = fields.get("description", "")
    if not text:
        errors.append((400, "description was not provided: describe the request"))
    elif len(text) > MAX_DESCRIPTION:
        errors.append((400, f"description is longer than {MAX_DESCRIPTION:,} characters"))
    if "media_url" in fields:
        errors.append(
            (
                400,
                "media_url is not accepted: this server never fetches URLs; send files as "
                "attachments through POST /v1/desk/requests/upload instead",
            )
        )
    return text


def _location(
    fields: dict[str, str], errors: list[tuple[int, str]]
) -> tuple[str | None, float | None, float | None]:
    """``address_string`` or ``lat`` and ``long`` (one is required, as the specification says)."""
    latitude = longitude = None
    if ("lat" in fields) != ("long" in fields):
        errors.append((400, "lat and long must both be sent"))
    elif "lat" in fields:
        latitude = _coordinate("lat", fields["lat"], 90, errors)
        longitude = _coordinate("long", fields["long"], 180, errors)
    address = fields.get("address_string")
    if address is not None and len(address) > 300:
        errors.append((400, "address_string is longer than 300 characters"))
    if address is None and "lat" not in fields and "long" not in fields:
        unsupported = "; address_id is not supported" if "address_id" in fields else ""
        errors.append(
            (
                400,
                "a location was not provided: send address_string (the workplace's address, "
                f"e.g. 서울특별시 강남구 테헤란로 1) or lat and long{unsupported}",
            )
        )
    return address, latitude, longitude


def _attribute_values(
    category: Category, attributes: dict[str, list[str]], errors: list[tuple[int, str]]
) -> tuple[str, str | None, str | None]:
    """``kind``, ``workplace_name`` and ``workplace_brn`` from the service's attributes."""
    known = {a["code"] for a in _attributes(category)}
    for name in sorted(set(attributes) - known):
        errors.append((400, f"attribute[{name}] is not an attribute of {category.code}"))
    value: dict[str, str | None] = {}
    for name, values in attributes.items():
        if name in known and len(values) > 1:
            errors.append((400, f"attribute[{name}] takes one value"))
        value[name] = values[0] if values and values[0] else None
    kind = value.get("kind") or "inquiry"
    if kind not in KINDS:
        errors.append((400, f"attribute[kind] must be one of {', '.join(KINDS)}"))
    workplace_name = value.get("workplace_name")
    if workplace_name is not None and len(workplace_name) > 200:
        errors.append((400, "attribute[workplace_name] is longer than 200 characters"))
    if kind == "complaint" and workplace_name is None:
        errors.append((400, "attribute[workplace_name] is required for a complaint"))
    brn = value.get("workplace_brn")
    if brn is not None and len(re.sub(r"\D", "", brn)) != 10:
        errors.append((400, "attribute[workplace_brn] must have 10 digits"))
    return kind, workplace_name, brn


def check_filing(pairs: list[tuple[str, str]]) -> Filing:
    """Check a POST's fields as the specification and the desk need; every problem at once.

    Raises:
        Open311Error: 404 for another jurisdiction or an unknown service_code; 400 for a
            missing api_key or service_code, else 400 listing each missing or invalid field.
    """
    fields, attributes = _split(pairs)
    _check_jurisdiction(fields.get("jurisdiction_id"))
    api_key = fields.get("api_key")
    if api_key is None:
        raise _fail(400, "api_key was not provided: get a personal API key at /account/api-keys")
    code = fields.get("service_code")
    if code is None:
        raise _fail(400, "service_code was not provided (see services.json)")
    category = _category(code)
    errors: list[tuple[int, str]] = []
    text = _text(fields, errors)
    address, latitude, longitude = _location(fields, errors)
    contact = _contact(fields, errors)
    kind, workplace_name, brn = _attribute_values(category, attributes, errors)
    if errors:
        raise Open311Error(errors)
    return Filing(
        api_key, category, text, kind, contact, workplace_name, address, brn, latitude, longitude
    )


def _contact(fields: dict[str, str], errors: list[tuple[int, str]]) -> str | None:
    """The contact from first_name, last_name, email and phone (only ever kept sealed)."""
    name = " ".join(fields[k] for k in ("first_name", "last_name") if k in fields)
    parts = [name] if name else []
    parts += [fields[k] for k in ("email", "phone") if k in fields]
    contact = "; ".join(parts) or None
    if contact is not None and len(contact) > 200:
        errors.append(
            (400, "first_name, last_name, email and phone together exceed 200 characters")
        )
        return None
    return contact


def _notice(
    tracking: str, due: date | None, basis: str | None, office: str | None, status: str
) -> str:
    parts_ko = [f"접수번호 {tracking}"]
    parts_en = [f"tracking number {tracking}"]
    if due is not None:
        parts_ko.append(f"처리 기한 {due.isoformat()}" + (f" ({basis})" if basis else ""))
        parts_en.append(f"due {due.isoformat()}")
    if office:
        parts_ko.append(f"담당 {office}")
        parts_en.append(f"handled by {office}")
    if status == "received":
        parts_ko.append("자동 분류 대기")
        parts_en.append("classification pending")
    return f"{', '.join(parts_ko)} / {', '.join(parts_en)}"


async def require_open311_key(request: Request) -> Caller:
    """Admit a POST carrying a valid ``api_key`` field (the specification's key, in the body).

    Reads and keeps the form (``request.state.open311_form``) for the route. Named for
    ``ilteo.api.access.PROTECTING_DEPENDENCIES``: the route cannot run without a key.

    Raises:
        Open311Error: 415/413/400 for a body that is not a small UTF-8 form, 404 for another
            jurisdiction, 400 without ``api_key``, 403 for an invalid, expired or revoked key.
    """
    pairs = await _form(request)
    request.state.open311_form = pairs
    fields, _ = _split(pairs)
    _check_jurisdiction(fields.get("jurisdiction_id"))
    api_key = fields.get("api_key")
    if api_key is None:
        raise _fail(400, "api_key was not provided: get a personal API key at /account/api-keys")
    return await run_in_threadpool(_resolve_key, request, api_key)


@router.post("/requests.{fmt}", summary="요청 접수 / Create a service request")
async def create_request(
    request: Request, fmt: str, caller: Annotated[Caller, Depends(require_open311_key)]
) -> Response:
    """File a request with a personal API key (form-encoded, as the specification says)."""
    from ilteo.desk.intake import submit

    _format(fmt)
    filing = check_filing(request.state.open311_form)
    headers = await run_in_threadpool(_admit, request, caller)
    receipt = await run_in_threadpool(
        lambda: submit(
            _settings(request),
            text=filing.text,
            channel="open311",
            kind=filing.kind,
            account_id=caller.account_id,
            contact=filing.contact,
            workplace_name=filing.workplace_name,
            workplace_address=filing.workplace_address,
            workplace_brn=filing.workplace_brn,
            service_code=filing.category.code,
            latitude=filing.latitude,
            longitude=filing.longitude,
        )
    )
    notice = _notice(
        receipt.tracking_number,
        receipt.deadline,
        receipt.deadline_basis,
        receipt.office_name,
        receipt.status,
    )
    body = [
        {
            "service_request_id": receipt.tracking_number,
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body, headers=headers)


# --- reading requests ---------------------------------------------------------------------------


def _code_of(row: DeskRequest) -> str:
    """The service the desk handles the request under: its category, else the one filed."""
    code = row.category or row.service_code or "other"
    return code if code in CATEGORIES else "other"


@lru_cache(maxsize=4096)
def _district(address: str | None) -> str | None:
    """Only the 시도 and 시군구 of an address (never the street or the number)."""
    if not address:
        return None
    from ilteo.desk.routing import parse_address

    found = parse_address(address)
    if found is None:
        return None
    return f"{found.sido_name} {found.sigungu_name}" if found.sigungu_name else found.sido_name


def public_row(row: DeskRequest, *, own: bool = False) -> dict[str, Any]:
    """What anyone may read about a request; ``own`` adds the masked text for its filer.

    Never the text (unless ``own``), the contact, the workplace's name, number or street, the
    coordinates, urgency flags, a member of staff's note or the answer.
    """
    from ilteo.desk.deadlines import deadline

    category = CATEGORIES[_code_of(row)]
    route = row.route or {}
    office = route.get("office_name")
    due = row.deadline
    basis = None
    if due is None:
        general = deadline(category.code, row.received_at)
        due, basis = general.due, general.basis_ko
    else:
        basis = deadline(category.code, row.received_at).basis_ko
    description = category.label_ko
    if own:
        description = row.text_masked[:MAX_DESCRIPTION]
    return {
        "service_request_id": row.id,
        "status": "closed" if row.status in CLOSED_STATES else "open",
        "status_notes": STATUS_NOTES.get(row.status, row.status),
        "service_name": category.label_ko,
        "service_code": category.code,
        "description": description,
        "agency_responsible": office,
        "service_notice": f"처리 기한 {due.isoformat()} ({basis}) / due {due.isoformat()}",
        "requested_datetime": _w3(row.received_at),
        "updated_datetime": _w3(row.status_at),
        "expected_datetime": _end_of(due),
        "address": _district(row.workplace_address),
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _instant(name: str, raw: str) -> datetime:
    """A w3 datetime (``Z`` or an offset; without one, Asia/Seoul) or a bare date."""
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError as error:
        raise _fail(
            400, f"{name} is not a w3 datetime such as 2026-11-01T00:00:00+09:00: {raw[:40]!r}"
        ) from error
    return (value if value.tzinfo else value.replace(tzinfo=SEOUL)).astimezone(UTC)


def _range(request: Request, now: datetime) -> tuple[datetime, datetime]:
    start_raw, end_raw = _one(request, "start_date"), _one(request, "end_date")
    start = _instant("start_date", start_raw) if start_raw else None
    end = _instant("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None  # noqa: S101 - set above
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if start > end:
        raise _fail(400, "start_date is after end_date")
    if end - start > MAX_SPAN:
        raise _fail(400, "start_date and end_date may not span more than 90 days")
    return start, end


@dataclass(frozen=True)
class Query:
    """A checked GET requests query."""

    ids: tuple[str, ...]
    codes: tuple[str, ...]
    start: datetime
    end: datetime
    states: tuple[str, ...]
    page: int
    page_size: int


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = _one(request, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _fail(400, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def check_query(request: Request, now: datetime) -> Query:
    """The GET requests parameters, checked (400 naming the bad one)."""
    ids = tuple(dict.fromkeys(_values(request, "service_request_id")))
    if len(ids) > MAX_ROWS:
        raise _fail(400, f"at most {MAX_ROWS} service_request_id at once")
    codes = tuple(_values(request, "service_code"))
    unknown = [c for c in codes if c not in CATEGORIES]
    if unknown:
        raise _fail(
            404, f"service_code {unknown[0][:60]!r} was not found (see services.json for the codes)"
        )
    statuses = set(_values(request, "status"))
    if statuses - {"open", "closed"}:
        raise _fail(400, "status must be open, closed or both (comma delimited)")
    states: tuple[str, ...] = ()
    if statuses == {"open"}:
        states = tuple(s for s in STATUS_NOTES if s not in CLOSED_STATES)
    elif statuses == {"closed"}:
        states = tuple(sorted(CLOSED_STATES))
    start, end = _range(request, now)
    page = _int(request, "page", 1, 1, 1_000_000)
    page_size = _int(request, "page_size", MAX_ROWS, 1, MAX_ROWS)
    return Query(ids, codes, start, end, states, page, page_size)


def find_requests(
    settings: Settings, query: Query, reader: str | None
) -> tuple[list[dict[str, Any]], int]:
    """The rows of a query (newest first) and how many match in all.

    Only requests filed with an account are listed: an anonymous inquiry's tracking number is
    what opens its status page, so it is never published. ``service_request_id`` overrides every
    other parameter, as the specification says.
    """
    from ilteo.core.db import session_scope

    code = func.coalesce(DeskRequest.category, DeskRequest.service_code, "other")
    where: list[Any] = [DeskRequest.account_id.is_not(None)]
    if query.ids:
        where.append(DeskRequest.id.in_(query.ids))
    else:
        where += [DeskRequest.received_at >= query.start, DeskRequest.received_at <= query.end]
        if query.codes:
            where.append(code.in_(query.codes))
        if query.states:
            where.append(DeskRequest.status.in_(query.states))
    with session_scope(settings) as session:
        total = session.scalar(select(func.count()).select_from(DeskRequest).where(*where)) or 0
        rows = session.scalars(
            select(DeskRequest)
            .where(*where)
            .order_by(DeskRequest.received_at.desc(), DeskRequest.id)
            .offset((query.page - 1) * query.page_size)
            .limit(query.page_size)
        ).all()
        return [
            public_row(r, own=reader is not None and r.account_id == reader) for r in rows
        ], total


def _reader(request: Request) -> Caller | None:
    token = _read_key(request)
    return _resolve_key(request, token) if token else None


@router.get("/requests.{fmt}", summary="요청 목록 / Service requests")
def list_requests(request: Request, fmt: str) -> Response:
    """Public rows of the requests in a date range (90 days at most, 1,000 rows per page)."""
    from ilteo.identity.accounts import utcnow

    _format(fmt)
    _check_jurisdiction(request.query_params.get("jurisdiction_id"))
    query = check_query(request, utcnow())
    reader = _reader(request)
    headers = _admit(request, reader)
    rows, total = find_requests(_settings(request), query, reader.account_id if reader else None)
    headers["X-Total-Count"] = str(total)
    if query.page * query.page_size < total:
        params = dict(request.query_params)
        params.pop("api_key", None)
        params["page"] = str(query.page + 1)
        from urllib.parse import urlencode

        headers["Link"] = f'<{PREFIX}/requests.{fmt}?{urlencode(params)}>; rel="next"'
    return render(fmt, "service_requests", rows, headers=headers)


def _single(request: Request, service_request_id: str) -> dict[str, Any]:
    from ilteo.identity.accounts import utcnow

    _check_jurisdiction(request.query_params.get("jurisdiction_id"))
    reader = _reader(request)
    _admit(request, reader)
    now = utcnow()
    query = Query((service_request_id,), (), now - MAX_SPAN, now, (), 1, 1)
    rows, _ = find_requests(_settings(request), query, reader.account_id if reader else None)
    if not rows:
        raise _fail(404, f"service_request_id {service_request_id[:40]!r} was not found")
    return rows[0]


@router.get("/requests/{service_request_id}.{fmt}", summary="요청 한 건 / One service request")
def one_request(request: Request, service_request_id: str, fmt: str) -> Response:
    """One request's public row, in a list as the specification shows."""
    _format(fmt)
    return render(fmt, "service_requests", [_single(request, service_request_id)])


@router.get("/tokens/{token}.{fmt}", summary="토큰의 요청 번호 / service_request_id from a token")
def token(request: Request, token: str, fmt: str) -> Response:
    """Tokens are never issued (every service is realtime); a tracking number maps to itself."""
    _format(fmt)
    row = _single(request, token)
    body = [{"service_request_id": row["service_request_id"], "token": token}]
    return render(fmt, "service_requests", body)


@router.api_route("/{rest:path}", methods=["GET", "POST"], summary="그 밖의 경로 / Anything else")
def not_served(rest: str) -> Response:
    """Anything else under the prefix: a 404 in the specification's error format."""
    raise _fail(404, f"no such GeoReport v2 resource: {rest[:80]!r} (see discovery.json)")
