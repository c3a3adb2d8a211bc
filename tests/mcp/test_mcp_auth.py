"""API keys on the MCP door, through the official SDK client: streamable HTTP, stdio, in process.

Every tool needs a key (HTTP ``Authorization: Bearer``, stdio ``ILTEO_API_KEY``); lake tools also
need a data steward's account. Otherwise a tool answers a tool error saying how to get a key.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent
from sqlalchemy import select
from tests.api.test_api_key_auth import make_key
from tests.identity.factories import sign_in_client

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.identity.api_keys import revoke_api_key
from ilteo.identity.models import AuditEntry
from ilteo.mcp import create_server
from ilteo.mcp.tools._common import McpAuth
from mcp import Client


def text_of(result: CallToolResult) -> str:
    return "\n".join(part.text for part in result.content if isinstance(part, TextContent))


def over_http(url: str, token: str | None, scenario: Callable[[Client], Awaitable[None]]) -> None:
    """Run ``scenario`` with the official client over streamable HTTP, with a key or without."""

    async def main() -> None:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else None
        async with (
            create_mcp_http_client(headers=headers) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
        ):
            await scenario(client)

    anyio.run(main)


def run(server: Any, scenario: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(server) as client:
            await scenario(client)

    anyio.run(main)


async def lake_works(client: Client) -> None:
    listed = await client.call_tool("list_lake_datasets", {"layer": "source"})
    assert not listed.is_error, text_of(listed)
    assert listed.structured_content["result"]
    quality = await client.call_tool("get_lake_quality", {})
    assert not quality.is_error, text_of(quality)


async def reference_works(client: Client) -> None:
    found = await client.call_tool("get_industry", {"code": "J"})
    assert not found.is_error, text_of(found)


def refused_with(*needles: str, reference: bool = True) -> Callable[[Client], Awaitable[None]]:
    """A scenario whose lake calls are refused; reference calls work or not as ``reference``."""

    async def reference_as_expected(client: Client) -> None:
        if reference:
            await reference_works(client)
        else:
            refused = await client.call_tool("get_industry", {"code": "J"})
            assert refused.is_error
            for needle in needles:
                assert needle in text_of(refused), text_of(refused)

    async def scenario(client: Client) -> None:
        await reference_as_expected(client)
        for tool, args in (
            ("list_lake_datasets", {}),
            ("get_lake_dataset", {"dataset_id": "curated.ei_events"}),
            ("get_quarantine_summary", {}),
        ):
            result = await client.call_tool(tool, args)
            assert result.is_error, tool
            assert result.structured_content is None
            for needle in needles:
                assert needle in text_of(result), (tool, text_of(result))
        await reference_as_expected(client)  # the session survives the refusals

    return scenario


def events(settings: Settings) -> list[str]:
    with session_scope(settings) as session:
        return list(session.scalars(select(AuditEntry.event).order_by(AuditEntry.id)))


def test_http_with_a_steward_key(server_url: str, mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))

    async def scenario(client: Client) -> None:
        await reference_works(client)
        await lake_works(client)

    over_http(server_url, token, scenario)


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


def post_initialize(url: str, token: str | None) -> httpx.Response:
    """``initialize`` over raw HTTP, with a bearer or without."""
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{url}/mcp", json=INITIALIZE, headers=headers, timeout=30)


def assert_unauthorized(answer: httpx.Response, *needles: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    for needle in needles:
        assert needle in answer.json()["detail"]


def _names(error: BaseException) -> set[str]:
    """The class names of ``error`` and of everything grouped inside it."""
    found = {type(error).__name__}
    for inner in getattr(error, "exceptions", ()):
        found |= _names(inner)
    return found


def test_http_without_a_key_opens_no_session(server_url: str, mcp_settings: Settings) -> None:
    assert_unauthorized(post_initialize(server_url, None), "API key", "/account/api-keys")
    for method in ("GET", "DELETE"):
        answer = httpx.request(method, f"{server_url}/mcp", timeout=30)
        assert_unauthorized(answer, "Authorization")
    # The official client cannot even initialise.
    with pytest.raises((MCPError, BaseExceptionGroup)) as refused:
        over_http(server_url, None, reference_works)
    assert "MCPError" in _names(refused.value)


def test_http_with_bad_keys_opens_no_session(server_url: str, mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_unauthorized(post_initialize(server_url, tampered), "invalid, expired or revoked")
    assert_unauthorized(post_initialize(server_url, "not-a-key"), "invalid, expired or revoked")
    found = events(mcp_settings)
    assert found.count("api_key.refused") == 1
    assert found.count("bearer.refused") == 1
    assert token.split("_", 2)[2] not in str(found)


def test_a_session_cookie_does_not_open_mcp(server_url: str, mcp_settings: Settings) -> None:
    with httpx.Client(base_url=server_url) as browser:
        sign_in_client(browser, mcp_settings, login="minji")
        assert_unauthorized(browser.post("/mcp", json=INITIALIZE, headers={"Accept": "*/*"}))


def test_a_revoked_key_loses_its_mcp_session(server_url: str, mcp_settings: Settings) -> None:
    account_id, token = make_key(mcp_settings, "citizen")

    async def scenario(client: Client) -> None:
        await reference_works(client)
        with session_scope(mcp_settings) as session:
            revoke_api_key(session, account_id, token.split("_")[1])
        with pytest.raises((MCPError, BaseExceptionGroup)) as refused:  # the next request
            await client.call_tool("get_industry", {"code": "J"})
        assert "MCPError" in _names(refused.value)

    over_http(server_url, token, scenario)


def test_http_with_a_citizen_key(server_url: str, mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "citizen")
    over_http(server_url, token, refused_with("data_steward"))
    assert events(mcp_settings).count("mcp.forbidden") == 3


def test_in_process_with_a_local_key(mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))
    run(create_server(mcp_settings, local_api_key=token), lake_works)


def test_a_local_key_never_serves_http_callers(mcp_settings: Settings) -> None:
    """A key given to the process (stdio) must not let HTTP callers act as its owner."""
    from starlette.requests import Request

    auth = McpAuth(mcp_settings, local_token="ilteo_local")  # noqa: S106 - a dummy key
    scope: dict[str, Any] = {"type": "http", "headers": [], "client": ("10.0.0.7", 1234)}
    assert auth.credentials(Request(scope)) == (None, "10.0.0.7")
    scope["headers"] = [(b"authorization", b"Bearer ilteo_given")]
    assert auth.credentials(Request(scope)) == ("ilteo_given", "10.0.0.7")
    scope["headers"] = [(b"authorization", b"Basic eDp5")]
    assert auth.credentials(Request(scope)) == (None, "10.0.0.7")
    assert auth.credentials(None) == ("ilteo_local", "stdio")


def _stdio(settings: Settings, token: str | None) -> StdioServerParameters:
    env = {
        "ILTEO_ENV": "dev",
        "ILTEO_HOME": str(settings.home),
        "ILTEO_REFERENCE_DIR": str(settings.reference_dir),
    }
    if token is not None:
        env["ILTEO_API_KEY"] = token
    return StdioServerParameters(
        command=sys.executable, args=["-m", "ilteo.cli", "mcp"], env=env, cwd=settings.home
    )


def test_stdio_with_and_without_the_key_variable(mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))

    async def scenario(client: Client) -> None:
        await reference_works(client)
        await lake_works(client)

    run(_stdio(mcp_settings, token), scenario)
    run(_stdio(mcp_settings, None), refused_with("ILTEO_API_KEY", reference=False))
    run(_stdio(mcp_settings, token + "x"), refused_with("refused", reference=False))
    found = events(mcp_settings)
    assert found.count("mcp.refused") == 5
    assert found.count("api_key.refused") == 5


def test_in_process_without_a_key_is_refused(mcp_settings: Settings) -> None:
    run(create_server(mcp_settings), refused_with("API key", reference=False))


def test_http_with_an_oauth_access_token(server_url: str, mcp_settings: Settings) -> None:
    """An access token of the external provider, for a linked steward, works like a key."""
    import time

    from tests.identity.factories import create_test_account

    from ilteo.identity.dev_provider import DEV_CLIENT_ID, DEV_PATH, sign
    from ilteo.identity.oidc import VerifiedIdentity, link_identity

    issuer = f"{server_url}{DEV_PATH}"
    now = int(time.time())
    claims = {"iss": issuer, "sub": "dev-person-001", "aud": DEV_CLIENT_ID}
    token = sign(mcp_settings, {**claims, "iat": now, "exp": now + 300}, typ="at+jwt")
    with session_scope(mcp_settings) as session:
        account, _ = create_test_account(session, login="steward", roles=("data_steward",))
        link_identity(session, account.id, VerifiedIdentity(issuer, "dev-person-001", None))

    async def scenario(client: Client) -> None:
        await lake_works(client)

    over_http(server_url, token, scenario)
