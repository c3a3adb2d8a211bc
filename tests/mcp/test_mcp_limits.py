"""Rate limits and daily quotas on MCP tool calls: the key's budget is shared with its /v1 calls."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from tests.api.test_rate_limits import NOON, FakeClock
from tests.conftest import serve_app
from tests.identity.factories import create_test_account
from tests.mcp.test_mcp_auth import over_http, run, text_of

from ilteo.api import create_app
from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.identity.api_keys import create_api_key, daily_requests, seoul_day
from ilteo.mcp import create_server
from mcp import Client

CALL = ("search_occupations", {"query": "간호사", "limit": 1})


def limited_key(
    settings: Settings, *, rate: int | None = None, daily: int | None = None
) -> tuple[str, str]:
    """A citizen's key with its own per-minute limit and daily quota: (key id, key)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="developer")
        issued = create_api_key(
            session,
            account.id,
            name="limited",
            secret_key=secret,
            rate_per_minute=rate,
            daily_quota=daily,
        )
        return issued.token.split("_")[1], issued.token


@pytest.fixture
def fixed_clock_url(mcp_settings: Settings) -> Iterator[str]:
    """The app served with its limiter's clock held 30 s before a minute ends (no flaky resets)."""
    app = create_app(mcp_settings)
    app.state.rate_limiter.clock = FakeClock(NOON)
    with serve_app(mcp_settings, app) as url:
        yield url


def test_the_per_minute_limit_refuses_tool_calls_with_the_wait(
    fixed_clock_url: str, mcp_settings: Settings
) -> None:
    server_url = fixed_clock_url
    _, token = limited_key(mcp_settings, rate=3)

    async def scenario(client: Client) -> None:
        for _ in range(3):
            assert not (await client.call_tool(*CALL)).is_error
        refused = await client.call_tool(*CALL)
        assert refused.is_error
        text = text_of(refused)
        assert "Too many requests" in text
        assert "limit of 3 calls per minute" in text
        wait = int(re.search(r"retry after (\d+) s", text).group(1))  # type: ignore[union-attr]
        assert wait == 30
        assert token not in text

    over_http(server_url, token, scenario)


def test_api_and_mcp_calls_share_one_budget(fixed_clock_url: str, mcp_settings: Settings) -> None:
    server_url = fixed_clock_url
    _, token = limited_key(mcp_settings, rate=2)
    headers = {"Authorization": f"Bearer {token}"}
    search = f"{server_url}/v1/reference/occupations"
    first = httpx.get(search, params={"q": "간호사"}, headers=headers)
    assert (first.status_code, first.headers["RateLimit-Remaining"]) == (200, "1")

    async def scenario(client: Client) -> None:
        assert not (await client.call_tool(*CALL)).is_error  # the second call of the minute
        assert (await client.call_tool(*CALL)).is_error

    over_http(server_url, token, scenario)
    third = httpx.get(search, params={"q": "간호사"}, headers=headers)
    assert third.status_code == 429


def test_the_daily_quota_refuses_and_the_usage_is_counted(mcp_settings: Settings) -> None:
    settings = mcp_settings.model_copy(update={"api_usage_flush_requests": 1})
    key_id, token = limited_key(settings, daily=2)
    server = create_server(settings, local_api_key=token)  # in process, as over stdio

    async def scenario(client: Client) -> None:
        for _ in range(2):
            assert not (await client.call_tool(*CALL)).is_error
        refused = await client.call_tool(*CALL)
        assert refused.is_error
        assert "Daily quota exceeded" in text_of(refused)
        assert "midnight KST" in text_of(refused)

    run(server, scenario)
    with session_scope(settings) as session:  # written after each call (flush every request)
        assert daily_requests(session, [key_id], seoul_day(utcnow())) == {key_id: 2}
