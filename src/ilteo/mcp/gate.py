"""The key gate of ``/mcp`` over HTTP: no API key (or OAuth token), no MCP session.

Every request to the streamable HTTP endpoint (``initialize``, ``tools/list``, tool calls, the
event stream, closing a session) must carry ``Authorization: Bearer <key>`` of an active account;
otherwise the answer is ``401`` problem+json with ``WWW-Authenticate: Bearer`` (as the MCP
authorization specification asks of a protected server). A session cookie is not enough: a
browser would send it to ``/mcp`` from any site. The key is checked as for ``/v1`` (remembered a
few seconds per process, refusals audited); what the key may do is then checked per tool call by
:class:`ilteo.mcp.tools._common.McpAuth` (scope, role, rate limit and daily quota).

Over stdio there is no HTTP request: ``ilteo mcp`` belongs to the one person who runs it, and
each tool call checks their ``ILTEO_API_KEY``.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

_HOW = (
    "MCP over HTTP needs an ilteo API key: create one at /account/api-keys (or 'ilteo keys "
    "create') and send it as 'Authorization: Bearer <key>' / MCP를 쓰려면 API 키가 필요합니다"
)


class BearerGate:
    """ASGI: pass a request to ``app`` only when it carries a valid bearer key or token."""

    def __init__(self, app: ASGIApp) -> None:
        """Guard ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit a caller with a valid key; answer 401 problem+json to anyone else."""
        from ilteo.api.routers.identity import bearer_token, current_account, remembered_account

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        detail = _HOW
        if bearer_token(request):
            try:
                if not remembered_account(request):
                    await run_in_threadpool(current_account, request)
            except HTTPException as exc:  # a bad, expired or revoked key (audited)
                detail = str(exc.detail)
            # A key or an OAuth token: a session cookie (or the ingest token) is not enough here.
            if getattr(request.state, "auth_method", None) in ("api_key", "oauth"):
                await self.app(scope, receive, send)
                return
        await _unauthorized(request, detail)(scope, receive, send)


def _unauthorized(request: Request, detail: str) -> ASGIApp:
    from ilteo.api.errors import problem

    title_ko, title_en = "인증이 필요합니다", "Authentication required"
    response = problem(401, "unauthorized", title_ko, title_en, detail, request.url.path)
    response.headers["WWW-Authenticate"] = 'Bearer realm="ilteo"'
    return response
