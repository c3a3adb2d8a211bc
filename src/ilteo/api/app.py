"""The FastAPI application factory: ``/v1`` JSON API, ``/healthz``, MCP at ``/mcp``, the web UI.

One app on one port; every door calls the same room service functions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from ilteo import __version__
from ilteo.api.conventions import install_conventions
from ilteo.api.conventions import request_id as request_id_for
from ilteo.api.errors import REQUEST_ID, install_error_handlers
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
    mcp_app = mcp_server.streamable_http_app(streamable_http_path="/mcp", host=settings.host)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp_server.session_manager.run():
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

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request_id_for(request.headers.get("x-request-id"))
        token = REQUEST_ID.set(request.state.request_id)
        try:
            response = await call_next(request)
        finally:
            REQUEST_ID.reset(token)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

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
    # The MCP transport is one Starlette route; adding it directly keeps the exact path /mcp.
    app.router.routes.extend(mcp_app.routes)

    from ilteo.web import mount_web

    mount_web(app, settings)
    return app
