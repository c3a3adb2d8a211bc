"""The FastAPI application factory: ``/v1`` JSON API, ``/healthz``, MCP at ``/mcp``, the web UI.

One app on one port; every door calls the same room service functions.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ilteo import __version__
from ilteo.api.conventions import install_conventions
from ilteo.api.conventions import request_id as request_id_for
from ilteo.api.errors import REQUEST_ID, install_error_handlers
from ilteo.core.memory import freeze_long_lived
from ilteo.core.settings import Settings, get_settings

API_PREFIX = "/v1"

OPENAPI_TAGS = [
    {"name": "health", "description": "상태 확인 / Liveness and readiness."},
    {
        "name": "reference",
        "description": "기준 데이터: 직업·산업 분류, 연계표, AI 노출 지수 / "
        "Reference data: occupation and industry codes, crosswalks, AI-exposure indices.",
    },
    {
        "name": "lake",
        "description": "통합 데이터 레이크: 원천, 배치, 격리, 품질, 연계, 카탈로그 / "
        "The integrated data lake: sources, batches, quarantine, quality, linkage, catalogue.",
    },
]


class RequestIdMiddleware:
    """Pure ASGI: a request id per HTTP request (the client's ``X-Request-ID`` if safe to echo).

    Kept in ``request.state.request_id`` and in :data:`REQUEST_ID` for problem bodies while the
    request runs, and echoed as ``X-Request-ID`` on the answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Give the request its id and echo it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        rid = request_id_for(given.decode("latin-1") if given is not None else None)
        scope.setdefault("state", {})["request_id"] = rid
        header = (b"x-request-id", rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message["headers"] = [*headers, header]
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ilteo application.

    Args:
        settings: Settings to use; the process settings when omitted.

    Returns:
        The FastAPI app, with the MCP server and the web UI mounted.
    """
    settings = settings or get_settings()

    from ilteo.mcp.server import create_server

    mcp_server = create_server(settings)
    mcp_app = mcp_server.streamable_http_app(
        streamable_http_path="/mcp",
        host=settings.host,
        # Several processes share the port: a session kept in one would be unknown to the others.
        stateless_http=settings.workers > 1,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp_server.session_manager.run():
            if settings.warm_on_start:
                from ilteo.reference.warm import warm_up

                threading.Thread(
                    target=warm_up, args=(settings,), name="ilteo-warm-up", daemon=True
                ).start()
            freeze_long_lived()  # the app's own long-lived objects: out of the collector's way
            yield

    app = FastAPI(
        title="ilteo Open API",
        summary=(
            "일터 — 고용노동 AI 전환 플랫폼 / an open platform for employment and labour services"
        ),
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below from vendored Swagger UI: no CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_tags=OPENAPI_TAGS,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        contact={
            "name": "ilteo 운영팀 / ilteo operators",
            "url": settings.api_contact_url
            or f"http://{settings.host}:{settings.port}{API_PREFIX}/docs",
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.mcp_server = mcp_server
    install_error_handlers(app)
    from ilteo.api.ratelimit import install_rate_limits  # before request_id: ids on 429s too

    install_rate_limits(app, settings)
    install_conventions(app)  # body limits, media types, unknown query parameters, OpenAPI

    app.add_middleware(RequestIdMiddleware)

    from ilteo.api.routers import docs, health, lake, lake_catalog, reference

    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(reference.router, prefix=API_PREFIX)
    app.include_router(lake.router, prefix=API_PREFIX)
    app.include_router(lake_catalog.router, prefix=API_PREFIX)
    from ilteo.api.routers import identity_report  # the public sign-in drop-off report

    app.include_router(identity_report.router, prefix=API_PREFIX)
    from ilteo.api.routers import me

    app.include_router(me.router, prefix=API_PREFIX)
    from ilteo.api.routers import monitor  # AI impact monitoring: public aggregates

    app.include_router(monitor.router, prefix=API_PREFIX)
    from ilteo.api.routers import pathways  # next occupations, courses, personal plans

    app.include_router(pathways.router, prefix=API_PREFIX)
    from ilteo.api.routers import benefits  # rules as code: checks, OpenFisca calculate/trace

    app.include_router(benefits.router, prefix=API_PREFIX)
    from ilteo.api.routers import open311  # GeoReport v2 at /open311/v2 (its own prefix)

    app.include_router(open311.router)
    from ilteo.api.routers import desk  # the one window: requests, status, statistics, staff

    app.include_router(desk.router, prefix=API_PREFIX)
    from ilteo.api.routers import (
        safety,  # the safety room: risk, targets, inspections (issue 11)
        safety_report,  # the accident and disaster data report
    )

    app.include_router(safety.router, prefix=API_PREFIX)
    app.include_router(safety_report.router, prefix=API_PREFIX)
    # The MCP transport is one Starlette route; adding it directly keeps the exact path /mcp.
    # Behind the key gate: no API key, no MCP session (ilteo.mcp.gate).
    from starlette.routing import Route

    from ilteo.mcp.gate import BearerGate

    for route in mcp_app.routes:
        assert isinstance(route, Route)  # noqa: S101 - the SDK serves one plain route
        app.router.routes.append(Route(route.path, endpoint=BearerGate(route.endpoint)))

    from ilteo.web import mount_web

    mount_web(app, settings)
    from ilteo.status.install import install_status

    install_status(app, settings)  # request logs outermost: they time everything
    return app
