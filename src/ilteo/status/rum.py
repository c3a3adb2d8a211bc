"""Real-user timing: every page's script sends how long it took to load to ``POST /status/beacon``.

The page script (``static/rum.js``, on every page through ``base.html``) waits for the ``load``
event, reads the Navigation Timing entry and the first-contentful-paint entry, and sends one JSON
beacon with ``navigator.sendBeacon``::

    {"page": "/reference/occupations/ksco8/2222", "navigation": "navigate",
     "ttfb": 12, "fcp": 80, "dcl": 95, "load": 130}

(milliseconds from the start of the navigation). The script sends nothing when the browser says
``navigator.doNotTrack === "1"`` or ``navigator.globalPrivacyControl``: the beacon carries no
identifier, but a person who asked not to be measured is not measured (a small, documented bias of
the real-user numbers). It sends no cookie-derived value, no query string and no identifier.

A beacon is a claim by an anonymous client, so the server trusts as little of it as it can:

- **Bounded.** ``text/plain`` (what ``sendBeacon`` sends for a string) or ``application/json``
  only (415); at most :data:`MAX_BODY` bytes, read with a cap (413).
- **Validated.** A JSON object with exactly the known fields (:data:`FIELDS`; an unknown field such
  as a forged ``menu`` is refused), numbers from 0 to :data:`MAX_MS` ms in order
  (``ttfb <= dcl <= load``, ``fcp <= load``) (422); not JSON at all is a 400.
- **The server decides the menu.** ``page`` is matched against the app's GET routes that render
  HTML pages (not ``/v1``, ``/mcp``, ``/static``, ``/metrics``, nor the beacon itself); the
  matching route template gives the menu (:func:`ilteo.status.menus.menu_for_route`). A path no
  page serves is refused (422 ``unknown_page``). Only the template is stored, never the raw path.
- **Server time only.** The row's time is when the server received the beacon; no client clock is
  read, so clock skew cannot move a timing to another hour or day.
- **Rate-limited.** ``settings.status_beacon_per_minute`` beacons per anonymised client
  (:func:`ilteo.status.logs.anonymise_client`) in fixed one-minute windows in this process; the
  windows keep at most :data:`MAX_CLIENTS` clients per minute (beyond that: refused as ``busy``).
- **Never a failure.** A beacon adds a ``rum`` observation with ``failed=False``: failures are
  what the server saw (5xx, timeouts), never what a client claims.
- **Counted, in batches.** Accepted beacons wait in a bounded buffer (:data:`MAX_PENDING` rows;
  beyond that refused as ``busy``) and are written as :class:`~ilteo.status.models.RumTiming`
  rows plus rollup observations every ``settings.status_flush_seconds`` and at shutdown. Every
  refusal is counted by reason (``beacon.refused.<reason>``, :data:`REASONS`) in the same batch.

Answers: 204 when accepted; a problem+json (400, 413, 415, 422 or 429) when refused. An
unexpected error while judging a beacon is a counted 400 (``beacon.refused.error``), never a 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from re import Pattern
from typing import Any, Final
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import HTMLResponse
from starlette.requests import ClientDisconnect

from ilteo.api.errors import problem
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow

log = logging.getLogger(__name__)

BEACON_PATH: Final = "/status/beacon"
#: The largest beacon body, in bytes (a real one is about 120).
MAX_BODY: Final = 2048
#: The longest timing accepted, in milliseconds (two minutes).
MAX_MS: Final = 120_000
#: The longest ``page`` accepted, in characters.
MAX_PAGE: Final = 300
#: Accepted beacons waiting for the next write, at most.
MAX_PENDING: Final = 20_000
#: Distinct clients the rate limiter remembers per minute, at most.
MAX_CLIENTS: Final = 200_000
NAVIGATIONS: Final = frozenset({"navigate", "reload", "back_forward", "prerender"})
REQUIRED: Final = frozenset({"page", "navigation", "ttfb", "dcl", "load"})
FIELDS: Final = REQUIRED | {"fcp"}
#: Path prefixes that are never pages (APIs, files, operators' endpoints, the beacon itself).
NOT_PAGES: Final = ("/v1", "/mcp", "/static", "/metrics", BEACON_PATH)
#: Why a beacon is refused → (status, problem code, Korean title, English title).
REASONS: Final[dict[str, tuple[int, str, str, str]]] = {
    "too_large": (413, "payload-too-large", "비콘이 너무 큽니다", "Beacon too large"),
    "media_type": (415, "unsupported-media-type", "지원하지 않는 형식입니다", "Unsupported type"),
    "malformed": (400, "bad-request", "비콘이 JSON이 아닙니다", "Beacon is not JSON"),
    "invalid": (422, "invalid-input", "비콘 값이 올바르지 않습니다", "Invalid beacon"),
    "unknown_page": (422, "invalid-input", "알 수 없는 페이지입니다", "Unknown page"),
    "rate_limited": (429, "rate-limited", "비콘이 너무 많습니다", "Too many beacons"),
    "busy": (429, "rate-limited", "잠시 후 다시 보내 주세요", "Busy, try again later"),
    "error": (400, "bad-request", "비콘을 처리할 수 없습니다", "Beacon could not be handled"),
}
SEOUL: Final = ZoneInfo("Asia/Seoul")


class BeaconRefused(Exception):
    """A beacon refused for ``reason`` (a key of :data:`REASONS`)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """Refuse for ``reason``, saying ``detail`` (never echoing the client's values)."""
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Beacon:
    """An accepted beacon, as it will be stored (server time, server-chosen menu)."""

    at: datetime
    menu: str
    route: str
    navigation: str
    ttfb_ms: float
    fcp_ms: float | None
    dcl_ms: float
    load_ms: float
    client: str


class MinuteWindows:
    """Fixed one-minute windows of beacon counts per client, bounded to ``max_clients``."""

    def __init__(self, max_clients: int = MAX_CLIENTS) -> None:
        """Start with no counts."""
        self.max_clients = max_clients
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, limit: int, now: float) -> tuple[str | None, int]:
        """Count one beacon of ``client`` at ``now`` (seconds, server clock).

        Returns:
            ``(None, 0)`` when admitted, else ``(reason, seconds until the window resets)``.
        """
        window = int(now // 60)
        reset = max(1, math.ceil((window + 1) * 60 - now))
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            used = self._counts.get(client)
            if used is None and len(self._counts) >= self.max_clients:
                return "busy", reset
            if (used or 0) >= limit:
                return "rate_limited", reset
            self._counts[client] = (used or 0) + 1
            return None, 0


def _number(payload: dict[str, Any], name: str) -> float:
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BeaconRefused("invalid", f"{name}: 숫자가 아닙니다 / not a number")
    if not math.isfinite(value) or not 0 <= value <= MAX_MS:
        raise BeaconRefused("invalid", f"{name}: 0..{MAX_MS} ms 범위 밖 / out of range")
    return float(value)


def validate(payload: object) -> tuple[str, str, float, float | None, float, float]:
    """Check a decoded beacon.

    Returns:
        ``(page path without query, navigation, ttfb, fcp or None, dcl, load)``.

    Raises:
        BeaconRefused: ``invalid`` with what is wrong.
    """
    if not isinstance(payload, dict):
        raise BeaconRefused("invalid", "JSON 객체가 아닙니다 / not a JSON object")
    unknown = set(payload) - FIELDS
    if unknown:
        raise BeaconRefused("invalid", f"모르는 항목 / unknown fields: {len(unknown)}")
    missing = REQUIRED - set(payload)
    if missing:
        raise BeaconRefused("invalid", f"빠진 항목 / missing: {', '.join(sorted(missing))}")
    page, navigation = payload["page"], payload["navigation"]
    if not isinstance(page, str) or not page.startswith("/") or len(page) > MAX_PAGE:
        raise BeaconRefused("invalid", f"page: /로 시작, {MAX_PAGE}자 이하 / path of <= {MAX_PAGE}")
    if navigation not in NAVIGATIONS:
        raise BeaconRefused("invalid", "navigation: " + " | ".join(sorted(NAVIGATIONS)))
    ttfb, dcl, load = (_number(payload, name) for name in ("ttfb", "dcl", "load"))
    fcp = _number(payload, "fcp") if payload.get("fcp") is not None else None
    if not ttfb <= dcl <= load or (fcp is not None and fcp > load):
        raise BeaconRefused("invalid", "순서 / order: ttfb <= dcl <= load, fcp <= load")
    path = page.split("#", 1)[0].split("?", 1)[0]  # no query string, no fragment kept
    return path, navigation, ttfb, fcp, dcl, load


def _response_class(route: Any) -> Any:
    value = getattr(route, "response_class", None)
    return value.value if isinstance(value, DefaultPlaceholder) else value


def page_routes(app: FastAPI) -> list[tuple[Pattern[str], str]]:
    """``(path regex, route template)`` of every GET route of ``app`` that renders an HTML page."""
    from fastapi.routing import iter_route_contexts

    pages: list[tuple[Pattern[str], str]] = []
    for route in iter_route_contexts(app.routes):
        path, regex = route.path, getattr(route, "path_regex", None)
        if not path or regex is None or "GET" not in (route.methods or ()):
            continue
        if any(path == p or path.startswith(p + "/") for p in NOT_PAGES):
            continue
        response_class = _response_class(route)
        if isinstance(response_class, type) and issubclass(response_class, HTMLResponse):
            pages.append((regex, path))
    return pages


class RumState:
    """The beacon's rate limiter, page map and write buffer of one app (``app.state.rum``)."""

    def __init__(self, app: FastAPI, settings: Settings, clock: Callable[[], float] = time.time):
        """Start empty; the page map is built from the app's routes on first use."""
        self.app = app
        self.settings = settings
        self.clock = clock
        self.windows = MinuteWindows()
        self._pages: list[tuple[Pattern[str], str]] | None = None
        self._menus: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self.rows: list[Beacon] = []
        self.counts: dict[date, tuple[datetime, dict[str, int]]] = {}

    def menu_of(self, path: str) -> tuple[str, str]:
        """The ``(route template, menu)`` of a page path, decided by the server.

        Raises:
            BeaconRefused: ``unknown_page`` when no HTML page of the app serves ``path``.
        """
        if self._pages is None:  # other parts add their pages after this one is installed
            self._pages = page_routes(self.app)
        decoded = unquote(path)
        if any(decoded == p or decoded.startswith(p + "/") for p in NOT_PAGES):
            raise BeaconRefused("unknown_page", "페이지가 아닙니다 / not a page")
        template = next((t for regex, t in self._pages if regex.match(decoded)), None)
        if template is None:
            raise BeaconRefused("unknown_page", "이 경로의 페이지가 없습니다 / no page here")
        if template not in self._menus:
            from ilteo.status.menus import menu_for_route

            try:
                self._menus[template] = menu_for_route("GET", template)
            except Exception:  # a page without a menu: tests/status/test_menus.py catches it
                log.warning("no service menu for GET %s", template)
                self._menus[template] = None
        menu = self._menus[template]
        if not menu:
            raise BeaconRefused("unknown_page", "메뉴가 없는 페이지 / page without a menu")
        return template, menu

    def count(self, name: str, now: datetime) -> None:
        """Count one ``name`` (e.g. ``beacon.refused.invalid``) on ``now``'s Seoul day."""
        day = now.astimezone(SEOUL).date()
        with self._lock:
            counts = self.counts.setdefault(day, (now, {}))[1]
            counts[name] = counts.get(name, 0) + 1

    def accept(self, beacon: Beacon) -> bool:
        """Buffer ``beacon`` for the next write; False when the buffer is full."""
        with self._lock:
            if len(self.rows) >= MAX_PENDING:
                return False
            self.rows.append(beacon)
        self.count("beacon.accepted", beacon.at)
        return True

    @property
    def pending(self) -> bool:
        """Whether anything waits to be written."""
        return bool(self.rows or self.counts)

    def flush(self) -> int:
        """Write the buffered beacons (rows and rollups) and counts; a store write, run in a thread.

        Returns:
            The number of beacons written. On a store failure everything is kept (as far as the
            buffer holds) for the next flush.
        """
        from ilteo.core.db import session_scope
        from ilteo.status.logs import Observation, add_counts, add_to_rollups
        from ilteo.status.models import RumTiming

        with self._flush_lock:
            with self._lock:
                rows, self.rows = self.rows, []
                counts, self.counts = self.counts, {}
            if not rows and not counts:
                return 0
            try:
                with session_scope(self.settings) as session:
                    session.add_all(
                        RumTiming(
                            at=b.at,
                            menu=b.menu,
                            route=b.route,
                            navigation=b.navigation,
                            ttfb_ms=b.ttfb_ms,
                            fcp_ms=b.fcp_ms,
                            dcl_ms=b.dcl_ms,
                            load_ms=b.load_ms,
                            client=b.client,
                        )
                        for b in rows
                    )
                    add_to_rollups(
                        session,
                        [Observation(b.menu, "rum", b.at, b.load_ms, failed=False) for b in rows],
                    )
                    for at, day_counts in counts.values():
                        add_counts(session, day_counts, now=at)
            except Exception:  # the store is down: keep what fits for the next flush
                log.exception("could not write real-user timings; keeping them for the next flush")
                with self._lock:
                    self.rows = (rows + self.rows)[:MAX_PENDING]
                    for day, (at, day_counts) in counts.items():
                        into = self.counts.setdefault(day, (at, {}))[1]
                        for name, n in day_counts.items():
                            into[name] = into.get(name, 0) + n
                return 0
            return len(rows)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _read_capped(request: Request) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise BeaconRefused("too_large", f"> {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BeaconRefused("too_large", f"> {MAX_BODY} bytes")
    return bytes(body)


def _no_constants(name: str) -> object:
    raise ValueError(name)  # NaN, Infinity: not JSON numbers


async def _judge(request: Request, state: RumState, now: datetime) -> Beacon:
    from ilteo.api.routers.identity import client_of
    from ilteo.status.logs import anonymise_client

    client = anonymise_client(state.settings, client_of(request), now)
    reason, reset = state.windows.hit(
        client, state.settings.status_beacon_per_minute, state.clock()
    )
    if reason is not None:
        raise BeaconRefused(reason, f"{reset}")
    if _media_type(request) not in ("text/plain", "application/json"):
        raise BeaconRefused("media_type", "text/plain 또는 application/json / or")
    body = await _read_capped(request)
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BeaconRefused("malformed", "JSON이 아닙니다 / not JSON") from exc
    path, navigation, ttfb, fcp, dcl, load = validate(payload)
    route, menu = state.menu_of(path)
    return Beacon(now, menu, route, navigation, ttfb, fcp, dcl, load, client)


def _refusal(state: RumState, refused: BeaconRefused, now: datetime) -> Response:
    state.count(f"beacon.refused.{refused.reason}", now)
    status, code, title_ko, title_en = REASONS[refused.reason]
    if status == 429:
        response = problem(
            status, code, title_ko, title_en, None, BEACON_PATH, reason=refused.reason
        )
        response.headers["Retry-After"] = refused.detail or "60"
        return response
    return problem(
        status, code, title_ko, title_en, refused.detail or None, BEACON_PATH, reason=refused.reason
    )


router = APIRouter()


@router.post(BEACON_PATH, include_in_schema=False, status_code=204)
async def receive_beacon(request: Request) -> Response:
    """Accept one real-user timing beacon (204) or refuse it (a counted problem)."""
    state: RumState = request.app.state.rum
    now = utcnow()  # the server's clock: the only time a beacon is filed under
    try:
        beacon = await _judge(request, state, now)
        if not state.accept(beacon):
            raise BeaconRefused("busy", "5")
    except BeaconRefused as refused:
        return _refusal(state, refused, now)
    except ClientDisconnect:
        state.count("beacon.refused.disconnected", now)
        return Response(status_code=400)
    except Exception:  # judging a beacon must never be a 500
        log.exception("beacon could not be judged")
        return _refusal(state, BeaconRefused("error"), now)
    return Response(status_code=204)


def flush_now(app: FastAPI) -> int:
    """Write ``app``'s buffered beacons and counts now (tests, shutdown); the beacons written."""
    state: RumState = app.state.rum
    return state.flush()


async def _flush_every(state: RumState) -> None:
    while True:
        await asyncio.sleep(state.settings.status_flush_seconds)
        if state.pending:
            await to_thread.run_sync(state.flush)


def install_rum(app: FastAPI, settings: Settings) -> None:
    """Add ``POST /status/beacon`` and the periodic write of beacons to ``app``'s lifespan."""
    state = RumState(app, settings)
    app.state.rum = state
    app.include_router(router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(lifespan_app: Any) -> AsyncIterator[Any]:
        async with inner(lifespan_app) as value:
            task = asyncio.create_task(_flush_every(state), name="ilteo-rum-flush")
            try:
                yield value
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
                await to_thread.run_sync(state.flush)

    app.router.lifespan_context = lifespan
