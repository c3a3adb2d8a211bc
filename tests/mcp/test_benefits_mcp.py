"""The ``check_benefits`` MCP tool over HTTP with the real SDK client: the check's answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path

from tests.api.test_api_key_auth import make_key
from tests.benefits.test_check import EXAMPLE
from tests.mcp.test_mcp_auth import over_http
from tests.mcp.test_reference_tools import text_of

from ilteo.benefits.check import check
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from mcp import Client


async def _scenario(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    description = tools["check_benefits"].description or ""
    assert "never guess an amount" in description
    answer = await client.call_tool("check_benefits", {"check": EXAMPLE})
    assert not answer.is_error, text_of(answer)
    assert answer.structured_content == check(EXAMPLE)
    bad = await client.call_tool(
        "check_benefits",
        {"check": {"as_of": "2026-03-02", "employment": {"separation_reason": "x"}}},
    )
    assert bad.is_error


def test_check_benefits_over_http(
    settings: Settings, tmp_path: Path, serve: Callable[[Settings], AbstractContextManager[str]]
) -> None:
    home = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'id.db'}"})
    upgrade(home)
    scenario: Callable[[Client], Awaitable[None]] = _scenario
    with serve(home) as url:
        over_http(url, make_key(home, "citizen")[1], scenario)
