"""MCP tools of the one-ID room: the public sign-in drop-off report.

The tool returns exactly what ``GET /v1/identity/sign-in-report`` and the ``/sign-in/report``
page show (one room function): weekly counts only, with counts below 5 banded as ``"<5"``.
Like every tool it needs an API key (scope ``identity:read``), which any account may hold.
Nothing about any account is reachable from here.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from ilteo.core.settings import Settings
from ilteo.identity.funnel_report import DEFAULT_WEEKS, MAX_WEEKS, SignInReport, sign_in_report
from ilteo.mcp.tools._common import McpAuth, call_room, register_tool

GET_SIGN_IN_REPORT = (
    "Get the public sign-in drop-off report of ilteo's one ID: for each way to sign in "
    "(password, passkey, counter-issued code, phone code, simple-authentication provider), to "
    "prove one's identity at a job centre, and to recover an account, how many times it was "
    "started and finished per week (Asia/Seoul Monday-to-Sunday weeks, ISO labels like "
    "'2026-W47'), with the completion rate. Use it to answer which sign-in methods people use, "
    "where they give up, or how access for people without smartphones is going. Counts are "
    "events, not distinct people. A count below 5 is null with `started_band`/`finished_band` "
    "'<5' and its rate is null: say 'fewer than 5', never guess the number. A period total that "
    "would reveal a small weekly count is 'withheld'."
)


def register_identity_tools(
    server: MCPServer, settings: Settings, auth: McpAuth | None = None
) -> None:
    """Register the identity tools on ``server``; they read the store of ``settings``."""
    auth = auth or McpAuth(settings)

    @register_tool(
        server,
        "get_sign_in_report",
        title="로그인 이탈 보고서 / Sign-in drop-off report",
        description=GET_SIGN_IN_REPORT,
    )
    def get_sign_in_report(
        weeks: Annotated[
            int,
            Field(
                ge=1,
                le=MAX_WEEKS,
                description=f"How many weeks back, the current week included (1-{MAX_WEEKS}).",
            ),
        ] = DEFAULT_WEEKS,
        ctx: Context | None = None,
    ) -> SignInReport:
        from ilteo.core.db import session_scope

        auth.require(ctx, "get_sign_in_report")

        def build() -> SignInReport:
            with session_scope(settings) as session:
                return sign_in_report(session, weeks=weeks)

        return call_room(build)
