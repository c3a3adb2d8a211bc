"""Request logs and their incremental rollups.

Every HTTP request (and MCP tool call) is timed by a pure ASGI middleware
(:func:`install_request_log`) that puts one small row in an in-memory buffer; a background writer
flushes the buffer every ``status_flush_seconds`` with one bulk insert of
:class:`~ilteo.status.models.RequestLog` rows and the matching additions to the hourly and daily
:class:`~ilteo.status.models.Rollup` rows, in one transaction. No database work happens on the
request path.

Rows hold the route *template* (never the raw path or query string), the status, the duration, the
response size and an anonymised client (:func:`anonymise_client`, a keyed hash that changes every
Asia/Seoul day). Hours are UTC hours; days are Asia/Seoul days whose start is kept as an aware UTC
datetime (00:00 KST = 15:00 UTC of the day before).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ilteo.core.settings import Settings
from ilteo.status import histogram
from ilteo.status.menus import (
    UnknownRouteError,
    UnknownToolError,
    menu_for_path,
    menu_for_route,
    menu_for_tool,
)
from ilteo.status.models import Counter, RequestLog, Rollup

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

SEOUL = ZoneInfo("Asia/Seoul")
#: Rollup grains: an hour (UTC) and a day (Asia/Seoul).
GRAINS: tuple[str, ...] = ("hour", "day")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def hour_start(at: datetime) -> datetime:
    """The start of the UTC hour of ``at`` (naive values are taken as UTC)."""
    return _as_utc(at).replace(minute=0, second=0, microsecond=0)


def seoul_day(at: datetime) -> date:
    """The Asia/Seoul calendar day of ``at``."""
    return _as_utc(at).astimezone(SEOUL).date()


def day_start(at: datetime) -> datetime:
    """The start of the Asia/Seoul day of ``at``, as an aware UTC datetime.

    >>> day_start(datetime(2026, 1, 1, 15, 0, tzinfo=UTC)).isoformat()
    '2026-01-01T15:00:00+00:00'
    >>> day_start(datetime(2026, 1, 1, 14, 59, tzinfo=UTC)).isoformat()
    '2025-12-31T15:00:00+00:00'
    """
    day = seoul_day(at)
    return datetime(day.year, day.month, day.day, tzinfo=SEOUL).astimezone(UTC)


def period_start(grain: str, at: datetime) -> datetime:
    """The start of the ``grain`` (``hour`` or ``day``) period holding ``at``."""
    if grain == "hour":
        return hour_start(at)
    if grain == "day":
        return day_start(at)
    raise ValueError(f"unknown grain {grain!r}")


@dataclass(frozen=True)
class Observation:
    """One timed request (or page load, or probe) to add to the rollups.

    Attributes:
        menu: The service menu id (:mod:`ilteo.status.menus`).
        kind: ``server``, ``rum`` or ``probe``.
        at: When it happened (aware; naive values are taken as UTC).
        duration_ms: How long it took.
        failed: A failure (5xx or a timeout).
        timed_out: Slower than the timeout (counted as a failure as well).
    """

    menu: str
    kind: str
    at: datetime
    duration_ms: float
    failed: bool
    timed_out: bool = False


@dataclass
class _Sums:
    requests: int = 0
    failures: int = 0
    timeouts: int = 0
    sum_ms: float = 0.0
    hist: list[int] | None = None


def group_observations(
    observations: Sequence[Observation],
) -> dict[tuple[str, str, str, datetime], _Sums]:
    """Sum observations per ``(menu, kind, grain, start)`` in memory."""
    groups: dict[tuple[str, str, str, datetime], _Sums] = defaultdict(_Sums)
    for obs in observations:
        at = _as_utc(obs.at)
        for grain in GRAINS:
            sums = groups[(obs.menu, obs.kind, grain, period_start(grain, at))]
            sums.requests += 1
            sums.failures += 1 if (obs.failed or obs.timed_out) else 0
            sums.timeouts += 1 if obs.timed_out else 0
            sums.sum_ms += max(obs.duration_ms, 0.0)
            if sums.hist is None:
                sums.hist = histogram.empty()
            histogram.add(sums.hist, obs.duration_ms)
    return dict(groups)


def _add_group(
    session: Session, key: tuple[str, str, str, datetime], sums: _Sums, *, postgres: bool
) -> None:
    menu, kind, grain, start = key
    where = (Rollup.menu == menu, Rollup.kind == kind, Rollup.grain == grain, Rollup.start == start)
    hist = sums.hist or histogram.empty()
    for _attempt in range(3):
        # The additive UPDATE first: it locks the row (PostgreSQL) or the database (SQLite) for
        # the rest of the transaction, so the histogram read-merge-write below cannot race.
        done = session.execute(
            update(Rollup)
            .where(*where)
            .values(
                requests=Rollup.requests + sums.requests,
                failures=Rollup.failures + sums.failures,
                timeouts=Rollup.timeouts + sums.timeouts,
                sum_ms=Rollup.sum_ms + sums.sum_ms,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0):
            query = select(Rollup.hist).where(*where)
            if postgres:
                query = query.with_for_update()
            stored = session.execute(query).scalar_one()
            session.execute(
                update(Rollup)
                .where(*where)
                .values(hist=histogram.merge([stored or [], hist]))
                .execution_options(synchronize_session=False)
            )
            return
        try:
            with session.begin_nested():
                session.execute(
                    insert(Rollup).values(
                        menu=menu,
                        kind=kind,
                        grain=grain,
                        start=start,
                        requests=sums.requests,
                        failures=sums.failures,
                        timeouts=sums.timeouts,
                        sum_ms=sums.sum_ms,
                        hist=list(hist),
                    )
                )
            return
        except IntegrityError:
            continue  # another process inserted it first: add to its row
    raise RuntimeError(f"could not add to the rollup {key}")  # pragma: no cover - 3 lost races


def add_to_rollups(session: Session, observations: Sequence[Observation]) -> None:
    """Add ``observations`` to their hour and day :class:`Rollup` rows, in ``session``.

    Observations are summed in memory per ``(menu, kind, grain, start)`` first; each row then gets
    one additive update (requests, failures, timeouts, sum of durations) and a histogram merge
    under the row's lock. A missing row is inserted, and a lost insert race (another process
    inserted it first) is retried as an update, so several processes may add at the same time.
    Failures count both failed and timed-out observations; timeouts only the latter.
    """
    if not observations:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    groups = group_observations(observations)
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3].isoformat())):
        _add_group(session, key, groups[key], postgres=postgres)


def anonymise_client(settings: Settings, address: str, now: datetime | None = None) -> str:
    """A 16-hex-character client id: a keyed hash of ``address`` and the Asia/Seoul day.

    The same address gives the same id all day (to count distinct clients) and a different one the
    next day; without the secret key the address cannot be recovered or tested.
    """
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    day = seoul_day(now or _utcnow()).isoformat()
    message = f"status-client:{day}:{address}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:16]


def add_counts(session: Session, counts: dict[str, int], now: datetime | None = None) -> None:
    """Add ``counts`` (name → count) to today's (Asia/Seoul) :class:`Counter` rows."""
    day = seoul_day(now or _utcnow())
    for name, count in sorted(counts.items()):
        if not count:
            continue
        for _attempt in range(3):
            done = session.execute(
                update(Counter)
                .where(Counter.day == day, Counter.name == name)
                .values(count=Counter.count + count)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0):
                break
            try:
                with session.begin_nested():
                    session.execute(insert(Counter).values(day=day, name=name, count=count))
                break
            except IntegrityError:
                continue  # another process inserted it first: add to its row


#: The columns of a :class:`RequestLog` row (without the id).
REQUEST_COLUMNS: tuple[str, ...] = (
    "at",
    "menu",
    "route",
    "method",
    "status",
    "duration_ms",
    "bytes",
    "client",
    "kind",
    "failed",
)


def record_requests(
    session: Session, rows: Sequence[dict[str, Any]], *, timeout_ms: float | None = None
) -> None:
    """Insert :class:`RequestLog` rows (keys = the model's columns) and add them to the rollups.

    Args:
        session: The session whose transaction holds both writes.
        rows: One dict per request; ``kind`` is ``server`` or ``probe``.
        timeout_ms: When given, rows slower than this also count as timeouts in the rollups.
    """
    if not rows:
        return
    clean = [{column: row[column] for column in REQUEST_COLUMNS} for row in rows]
    session.execute(insert(RequestLog), clean)
    add_to_rollups(
        session,
        [
            Observation(
                menu=row["menu"],
                kind=row["kind"],
                at=row["at"],
                duration_ms=float(row["duration_ms"]),
                failed=bool(row["failed"]),
                timed_out=timeout_ms is not None and float(row["duration_ms"]) > timeout_ms,
            )
            for row in clean
        ],
    )


# --- the request log: buffer, writer, middleware --------------------------------------------

#: Route stored for a request no route matched (a 404, or one refused before routing).
UNMATCHED: Final[str] = "<unmatched>"
#: The menu of unmatched requests.
UNMATCHED_MENU: Final[str] = "ops"
#: Counter of rows dropped because the buffer was full (or the store refused a flush).
DROPPED_COUNTER: Final[str] = "status.log.dropped"
#: Rows the buffer holds at most between two flushes.
BUFFER_CAPACITY: Final[int] = 100_000
#: ``(method, route)`` pairs whose menu the middleware remembers.
_MENU_CACHE: Final[int] = 4096
#: Seconds between two log lines about failed flushes.
_COMPLAIN_EVERY: Final[float] = 60.0

_log = logging.getLogger(__name__)

#: One buffered request: the :data:`REQUEST_COLUMNS` values, then ``timed_out``.
_Row = tuple[datetime, str, str, str, int, float, int, str, str, bool, bool]


class RequestLogWriter:
    """A bounded, thread-safe buffer of request rows and the thread that writes them.

    :meth:`append` is all the request path does (no database work); :meth:`flush` writes the rows
    in one transaction (bulk insert, rollups, the count of dropped rows). :meth:`start` runs a
    daemon thread flushing every ``status_flush_seconds``; :meth:`stop` ends it with a last flush.
    """

    def __init__(self, settings: Settings, capacity: int = BUFFER_CAPACITY) -> None:
        """Buffer at most ``capacity`` rows for the store of ``settings``."""
        self.settings = settings
        self.capacity = capacity
        self.dropped = 0
        self._rows: list[_Row] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        key = settings.secret_key.get_secret_value() if settings.secret_key else ""
        self._key = key.encode()
        self._client_day: date | None = None
        self._client_mac: Any = None
        self._complained = -_COMPLAIN_EVERY

    def client(self, address: str, now: datetime) -> str:
        """:func:`anonymise_client` of ``address``, with the day's keyed hash prepared once."""
        day = seoul_day(now)
        if day != self._client_day:
            self._client_mac = hmac.new(
                self._key, f"status-client:{day.isoformat()}:".encode(), hashlib.sha256
            )
            self._client_day = day
        mac = self._client_mac.copy()
        mac.update(address.encode())
        return str(mac.hexdigest()[:16])

    def append(self, row: _Row) -> None:
        """Buffer one row; when the buffer is full the row is dropped and counted."""
        with self._lock:
            if len(self._rows) >= self.capacity:
                self.dropped += 1
                return
            self._rows.append(row)

    def pending(self) -> int:
        """Rows waiting for the next flush."""
        with self._lock:
            return len(self._rows)

    def flush(self, now: datetime | None = None) -> int:
        """Write the buffered rows (and the dropped count) in one transaction; the rows written.

        When the store refuses the write the rows are lost and counted as dropped (the next
        flush records the count): logging never stops the service.
        """
        from ilteo.core.db import session_scope

        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
                dropped, self.dropped = self.dropped, 0
            if not rows and not dropped:
                return 0
            try:
                with session_scope(self.settings) as session:
                    if rows:
                        session.execute(
                            insert(RequestLog),
                            [dict(zip(REQUEST_COLUMNS, row[:10], strict=True)) for row in rows],
                        )
                        add_to_rollups(
                            session,
                            [
                                Observation(row[1], row[8], row[0], row[5], row[9], row[10])
                                for row in rows
                            ],
                        )
                    if dropped:
                        add_counts(session, {DROPPED_COUNTER: dropped}, now=now)
            except Exception:
                if time.monotonic() - self._complained > _COMPLAIN_EVERY:
                    self._complained = time.monotonic()
                    _log.exception("could not write %d request log rows", len(rows))
                with self._lock:
                    self.dropped += dropped + len(rows)
                return 0
            return len(rows)

    def start(self) -> None:
        """Start the background writer (once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ilteo-request-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background writer and flush what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.status_flush_seconds):
            self.flush()


def _route_templates(app: ASGIApp) -> dict[int, str]:
    """Full path templates by the id of each route object (and of each route's endpoint)."""
    from fastapi.routing import APIRoute, iter_route_contexts

    routes = getattr(app, "routes", [])
    templates: dict[int, str] = {}
    for context in iter_route_contexts(routes):
        original = context.original_route
        if not context.path:
            continue
        templates[id(original)] = context.path
        if not isinstance(original, APIRoute):  # plain routes and mounts: matched by endpoint
            target = getattr(original, "endpoint", None) or getattr(original, "app", None)
            if target is not None:
                templates.setdefault(id(target), context.path)
    return templates


class RouteNames:
    """The full route template and the service menu of an answered request, both cached.

    Routers are included lazily, so a matched route's own ``path`` may lack its prefix: the full
    templates come from :func:`_route_templates`, rebuilt only when the app's route count
    changes. Shared by the request log and the Prometheus metrics (:mod:`ilteo.status.metrics`).
    """

    def __init__(self, root: ASGIApp) -> None:
        """Name the routes of ``root`` (the FastAPI app)."""
        self.root = root
        self._templates: dict[int, str] = {}
        self._route_count = -1
        self._menus: dict[tuple[str, str], str] = {}

    def template(self, scope: Scope) -> str:
        """The template of the route that answered (``scope["route"]`` or ``["endpoint"]``)."""
        route = scope.get("route")
        target = route if route is not None else scope.get("endpoint")
        if target is None:
            return UNMATCHED
        found = self._templates.get(id(target))
        if found is None:
            count = len(getattr(self.root, "routes", ()))
            if count != self._route_count:  # routes added since the table was built
                self._templates = _route_templates(self.root)
                self._route_count = count
            found = self._templates.get(id(target))
        if found is None:  # a route inside a mounted app: its own template, never the raw path
            path = getattr(target, "path", None)
            return path if isinstance(path, str) and path else UNMATCHED
        return found

    def menu(self, method: str, template: str) -> str:
        """The service menu of ``method template`` (``ops`` for unmatched requests)."""
        key = (method, template)
        menu = self._menus.get(key)
        if menu is None:
            if template == UNMATCHED:
                menu = UNMATCHED_MENU
            else:
                try:
                    menu = menu_for_route(method, template)
                except UnknownRouteError:  # e.g. 405 on a known path, or a route without a menu
                    menu = menu_for_path(template) or UNMATCHED_MENU
            if len(self._menus) < _MENU_CACHE:  # methods are client-chosen: keep the cache bounded
                self._menus[key] = menu
        return menu


class RequestLogMiddleware:
    """Pure ASGI: time each HTTP request and buffer one row for :class:`RequestLogWriter`.

    The route template comes from the route the app matched (``scope["route"]`` or, for plain
    routes and mounts, ``scope["endpoint"]``), looked up after the app ran; never the raw path or
    its query string. An exception escaping the app is logged as a failed 500 and re-raised.
    """

    def __init__(self, app: ASGIApp, writer: RequestLogWriter, root: ASGIApp) -> None:
        """Wrap ``app``; ``root`` is the FastAPI app whose routes give the templates."""
        self.app = app
        self.writer = writer
        self.names = RouteNames(root)
        self.timeout_ms = writer.settings.status_timeout_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, then buffer the request's row.

        A streamed answer (``text/event-stream``, e.g. MCP) is timed to its first body chunk: an
        open stream is not a slow request. A client that goes away before any answer is logged
        with status 499, not as a failure.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        at = datetime.now(UTC)
        started = perf_counter()
        status = 0
        size = 0
        streaming = False
        first_body = 0.0

        async def send_counting(message: Message) -> None:
            nonlocal status, size, streaming, first_body
            kind = message["type"]
            if kind == "http.response.body":
                size += len(message.get("body", b""))
                if streaming and not first_body:
                    first_body = perf_counter()
            elif kind == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        streaming = value.startswith(b"text/event-stream")
                        break
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        except Exception:
            status = 500
            raise
        except BaseException:  # cancelled: the client went away
            if status == 0:
                status = 499
            raise
        finally:
            ended = first_body if streaming and first_body else perf_counter()
            duration = (ended - started) * 1000.0
            if status == 0:  # the app returned without answering
                status = 500
            method = str(scope.get("method", "GET"))
            template = self.names.template(scope)
            client = scope.get("client")
            timed_out = duration > self.timeout_ms
            self.writer.append(
                (
                    at,
                    self.names.menu(method, template),
                    template[:200],
                    method[:8],
                    status,
                    duration,
                    size,
                    self.writer.client(str(client[0]) if client else "unknown", at),
                    "server",
                    status >= 500 or timed_out,
                    timed_out,
                )
            )


def record_tool_call(
    server: object, tool: str, duration_ms: float, *, status: int, client: str = "unknown"
) -> None:
    """Buffer one MCP tool call on the request log attached to ``server`` (if any).

    The route is ``mcp:<tool>``, the menu the tool's (:func:`ilteo.status.menus.menu_for_tool`).
    As for HTTP, an exception (status 500) or a timeout is a failure; a tool error (status 400: a
    missing key, a refused scope, an unknown code) is the caller's, like a 4xx, and is not.
    """
    writer = getattr(server, "_ilteo_request_log", None)
    if not isinstance(writer, RequestLogWriter):
        return
    at = datetime.now(UTC)
    try:
        menu = menu_for_tool(tool)
    except UnknownToolError:
        menu = UNMATCHED_MENU
    timed_out = duration_ms > writer.settings.status_timeout_ms
    writer.append(
        (
            at - timedelta(milliseconds=duration_ms),
            menu,
            f"mcp:{tool}"[:200],
            "MCP",
            status,
            duration_ms,
            0,
            writer.client(client, at),
            "server",
            status >= 500 or timed_out,
            timed_out,
        )
    )


def attach_tool_log(server: object, writer: RequestLogWriter) -> None:
    """Log the MCP tool calls of ``server`` to ``writer`` (see :func:`record_tool_call`)."""
    setattr(server, "_ilteo_request_log", writer)  # noqa: B010 - a foreign object's attribute


def install_request_log(app: FastAPI, settings: Settings) -> None:
    """Log every request of ``app`` (and every MCP tool call) when ``settings.status_log`` is on.

    Adds :class:`RequestLogMiddleware` (outermost when installed last) and wraps the app's
    lifespan so the writer runs while the app serves and flushes once more at shutdown.
    """
    if not settings.status_log:
        return
    writer = RequestLogWriter(settings)
    app.state.request_log = writer
    mcp_server = getattr(app.state, "mcp_server", None)
    if mcp_server is not None:
        attach_tool_log(mcp_server, writer)
    app.add_middleware(RequestLogMiddleware, writer=writer, root=app)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(the_app: Any) -> AsyncIterator[Any]:
        writer.start()
        try:
            async with inner(the_app) as state:
                yield state
        finally:
            await asyncio.to_thread(writer.stop)

    app.router.lifespan_context = lifespan


def flush_now(app: FastAPI) -> int:
    """Write the request log rows ``app`` buffered so far (for tests and benchmarks)."""
    writer = getattr(app.state, "request_log", None)
    return writer.flush() if isinstance(writer, RequestLogWriter) else 0


# --- retention ------------------------------------------------------------------------------

#: Rows deleted per statement when pruning.
PRUNE_BATCH: Final[int] = 10_000


def _delete_in_batches(session_factory: Any, table: Any, cutoff: datetime) -> int:
    deleted = 0
    while True:
        with session_factory() as session:
            ids = select(table.c.id).where(table.c.at < cutoff).limit(PRUNE_BATCH)
            result = session.execute(
                delete(table)
                .where(table.c.id.in_(ids.scalar_subquery()))
                .execution_options(synchronize_session=False)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
        deleted += count
        if count < PRUNE_BATCH:
            return deleted


def prune(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Delete old raw logs, real-user timings and rollups, in batches (a transaction each).

    Raw rows (``status_requests``, ``status_rum``) go after ``status_raw_retention_days``;
    rollups and usability events (small, compared across quarters) after
    ``status_rollup_retention_days``.

    Returns:
        The cutoffs and the rows deleted per table.
    """
    from ilteo.core.db import session_scope
    from ilteo.status.models import RumTiming, UsabilityEvent

    now = _as_utc(now or _utcnow())
    raw_cutoff = now - timedelta(days=settings.status_raw_retention_days)
    rollup_cutoff = now - timedelta(days=settings.status_rollup_retention_days)

    def factory() -> Any:
        return session_scope(settings)

    requests = _delete_in_batches(factory, RequestLog.__table__, raw_cutoff)
    rum = _delete_in_batches(factory, RumTiming.__table__, raw_cutoff)
    usability = _delete_in_batches(factory, UsabilityEvent.__table__, rollup_cutoff)
    rollups = 0
    with session_scope(settings) as session:
        oldest = session.execute(
            select(func.min(Rollup.start)).where(Rollup.start < rollup_cutoff)
        ).scalar_one_or_none()
    if oldest is not None:
        step = _as_utc(oldest)
        while step < rollup_cutoff:  # a week of rollups per transaction
            step = min(step + timedelta(days=7), rollup_cutoff)
            with session_scope(settings) as session:
                result = session.execute(
                    delete(Rollup)
                    .where(Rollup.start < step)
                    .execution_options(synchronize_session=False)
                )
                rollups += int(getattr(result, "rowcount", 0) or 0)
    return {
        "raw_cutoff": raw_cutoff.isoformat(),
        "rollup_cutoff": rollup_cutoff.isoformat(),
        "deleted": {
            "status_requests": requests,
            "status_rum": rum,
            "status_usability_events": usability,
            "status_rollups": rollups,
        },
    }
