"""Operators' metrics: Prometheus ``/metrics`` (protected) and optional OpenTelemetry traces.

A small pure ASGI middleware (:class:`MetricsMiddleware`, inside the request log) counts every
HTTP request by service menu (:func:`ilteo.status.menus.menu_for_route` on the matched route
template; a request that matches no route is ``ops``) and status class, observes its duration in a
histogram per menu whose buckets are the status room's bins (:data:`ilteo.status.histogram.EDGES_MS`
in seconds), and tracks the requests in flight:

- ``ilteo_http_requests_total{menu, status_class}``
- ``ilteo_http_request_duration_seconds{menu}`` (histogram)
- ``ilteo_http_requests_in_flight``

**Per process.** Each app (one per worker process) has its own
:class:`prometheus_client.CollectorRegistry`: with several workers, scrape each worker (one port
per worker, or a scrape target per pod) — or switch to ``prometheus_client``'s multiprocess mode
later (``PROMETHEUS_MULTIPROC_DIR``), which this layout does not prevent.

**Protection.** ``GET /metrics`` answers only :func:`require_metrics_reader`:
``Authorization: Bearer <ILTEO_METRICS_TOKEN>`` (compared in constant time; with no token set, no
bearer is ever accepted) or a signed-in administrator's session; otherwise 401 or 403
problem+json.

**Traces** (off by default). With ``ILTEO_OTEL_EXPORTER=console`` or ``otlp`` every request is
one server span named ``METHOD /route/template`` with ``http.request.method``, ``http.route``,
``http.response.status_code`` and ``ilteo.menu`` — no query string, no client address, no
header. ``otlp`` uses the OTLP/HTTP exporter, configured by the standard ``OTEL_EXPORTER_OTLP_*``
environment variables. Spans leave in batches (:class:`BatchSpanProcessor`), flushed at exit.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from ilteo.api.routers.identity import bearer_token, current_account, session_token
from ilteo.status.histogram import EDGES_MS
from ilteo.status.logs import RouteNames

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Tracer
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ilteo.core.settings import Settings

#: The role whose session may read the metrics.
READER_ROLE: Final = "administrator"


@dataclass
class Metrics:
    """The collectors of one app (one process) and, when tracing, its tracer."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    tracer: Tracer | None = None
    provider: TracerProvider | None = None

    def __post_init__(self) -> None:
        """Create the collectors in this registry."""
        self.requests = Counter(
            "ilteo_http_requests",
            "HTTP requests by service menu and status class (1xx..5xx).",
            ["menu", "status_class"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "ilteo_http_request_duration_seconds",
            "Server time of HTTP requests by service menu, in seconds.",
            ["menu"],
            buckets=[edge / 1000 for edge in EDGES_MS],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "ilteo_http_requests_in_flight",
            "HTTP requests being answered by this process.",
            registry=self.registry,
        )


class MetricsMiddleware:
    """Count, time and (optionally) trace every HTTP request; other scopes pass through."""

    def __init__(self, app: ASGIApp, metrics: Metrics, root: Any) -> None:
        """Wrap ``app``, feeding ``metrics``; ``root`` is the app whose routes give templates."""
        self.app = app
        self.metrics = metrics
        self.names = RouteNames(root)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        status = 500  # an exception before the response started
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        method = str(scope.get("method", "GET"))
        span = metrics.tracer.start_span(method, kind=_server_kind()) if metrics.tracer else None
        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            template = self.names.template(scope)
            menu = self.names.menu(method, template)
            metrics.requests.labels(menu, f"{status // 100}xx").inc()
            metrics.duration.labels(menu).observe(elapsed)
            if span is not None:
                _end_span(span, method, template, status, menu)


def _server_kind() -> Any:
    from opentelemetry.trace import SpanKind

    return SpanKind.SERVER


def _end_span(span: Any, method: str, route: str, status: int, menu: str) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.update_name(f"{method} {route}")
    span.set_attribute("http.request.method", method)
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    span.set_attribute("ilteo.menu", menu)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def _configured_exporter(settings: Settings) -> SpanExporter | None:
    if settings.otel_exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # endpoint, headers, timeout: the standard OTEL_* env
    return None


def enable_tracing(app: FastAPI, exporter: SpanExporter) -> TracerProvider:
    """Trace every request of ``app`` to ``exporter`` (in batches); returns the provider.

    :func:`install_metrics` calls it when ``otel_exporter`` is set; tests call it with the
    SDK's in-memory exporter and ``force_flush()`` the provider before reading the spans. The
    provider is the app's own (the global one is left alone), so several apps in one process do
    not mix their spans.
    """
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    metrics: Metrics = app.state.status_metrics
    provider = TracerProvider(resource=Resource.create({"service.name": "ilteo"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    metrics.provider = provider
    metrics.tracer = provider.get_tracer("ilteo.status")
    return provider


class MetricsRefused(Exception):
    """A refused scrape; answered with problem+json even to a browser (not an HTML page)."""

    def __init__(self, status: int, detail: str, challenge: str | None = None) -> None:
        """Keep the status, the bilingual detail and the ``WWW-Authenticate`` challenge."""
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.challenge = challenge


def _refused(request: Request, exc: Exception) -> Response:
    from ilteo.api.errors import _HTTP_TITLES, problem

    assert isinstance(exc, MetricsRefused)  # noqa: S101 - registered for it only
    code, ko, en = _HTTP_TITLES[exc.status]
    response = problem(exc.status, code, ko, en, exc.detail, request.url.path)
    if exc.challenge:
        response.headers["WWW-Authenticate"] = exc.challenge
    return response


def require_metrics_reader(request: Request) -> None:
    """Admit the scraper's bearer token or a signed-in administrator; 401/403 otherwise.

    The token is compared in constant time; with ``metrics_token`` unset (or empty) no bearer
    is ever accepted. A wrong bearer is refused outright (it is not tried as an API key).

    Raises:
        MetricsRefused: 401 without a valid token or a session, 403 for a non-administrator.
    """
    settings: Settings = request.app.state.settings
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = bearer_token(request)
    if given is not None:
        if expected and hmac.compare_digest(given.encode(), expected.encode()):
            return
        raise MetricsRefused(
            401,
            "지표 토큰이 올바르지 않습니다 / the metrics token is not valid",
            'Bearer realm="ilteo-metrics", error="invalid_token"',
        )
    account = current_account(request) if session_token(request) else None
    if account is None:
        raise MetricsRefused(
            401,
            "지표 토큰이나 관리자 로그인이 필요합니다 / a metrics token or an administrator "
            "session is required",
            'Bearer realm="ilteo-metrics"',
        )
    if READER_ROLE not in account.roles:
        raise MetricsRefused(403, "관리자만 지표를 볼 수 있습니다 / administrators only")


router = APIRouter(include_in_schema=False)


@router.get("/metrics", name="status_metrics")
def metrics_endpoint(
    request: Request, _reader: Annotated[None, Depends(require_metrics_reader)]
) -> Response:
    """The Prometheus text exposition of this process's metrics."""
    metrics: Metrics = request.app.state.status_metrics
    return Response(
        generate_latest(metrics.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


def install_metrics(app: FastAPI, settings: Settings) -> None:
    """Add ``/metrics``, the counting middleware and, when configured, tracing to ``app``."""
    metrics = Metrics()
    app.state.status_metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics, root=app)
    app.include_router(router)
    app.add_exception_handler(MetricsRefused, _refused)
    exporter = _configured_exporter(settings)
    if exporter is not None:
        enable_tracing(app, exporter)
