"""MCP tool of the status room: the public performance report of ilteo's service menus.

``get_service_status`` returns what ``GET /v1/status`` and the ``/status`` page show (one room
function, :func:`ilteo.status.report.status_report`), for every public menu or one of them.
Aggregates only: nothing about any person is reachable from here.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from ilteo.core.settings import Settings
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool
from ilteo.status.report import StatusReport, menu_report

GET_SERVICE_STATUS = (
    "Get ilteo's public service status (서비스 현황): for each public service menu (e.g. "
    "'reference-search' 직업·산업 분류 검색, 'sign-in' 로그인), over the last 24 hours, 7, 30 and "
    "90 days: requests, failed requests (server errors 5xx and requests slower than `timeout_ms`), "
    "failure minutes (total length of incidents, an open one counting until now), server time "
    "(first byte received to last byte sent) and real-user load time (the page's load event in "
    "people's browsers, only pages with the measuring script) as mean and p95 in milliseconds, "
    "90 daily bars (Asia/Seoul days) and incidents (current and last 90 days, with public notes "
    "in Korean and English). Use it to answer whether a service is working now, how fast or "
    "reliable it has been, or what happened in an incident. What the numbers do NOT mean: p95 is "
    "read from a fixed-bin histogram (accurate to about ±25 %); server time excludes the network "
    "and page drawing; real-user figures come only from browsers that ran the script, so a small "
    "`rum_samples` is not representative; 4xx input errors are not failures; `null` means no "
    "data, not zero; `no_data: true` means nothing was measured. Pass `menu` (an id from "
    "`menus[].id`) for one menu only; an unknown id is an error listing the valid ones. Cite the "
    "`generated_at` time."
)


def register_status_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the status tools on ``server``; they read the store of ``settings``."""
    auth = auth or McpAuth(settings)

    @register_tool(
        server,
        "get_service_status",
        title="서비스 현황 / Service status",
        description=GET_SERVICE_STATUS,
    )
    def get_service_status(
        menu: Annotated[
            str | None,
            Field(
                min_length=1,
                max_length=48,
                description="A public service menu id, e.g. 'reference-search' or 'sign-in'; "
                "omit for every public menu.",
            ),
        ] = None,
        ctx: Context | None = None,
    ) -> StatusReport:
        auth.require(ctx, "get_service_status")
        return call_room(lambda: menu_report(settings, menu))
