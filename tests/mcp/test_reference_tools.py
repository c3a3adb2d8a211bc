"""The reference MCP tools through the official ``mcp`` client: streamable HTTP and stdio.

Every call brings a citizen's API key (any account may read reference data).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult, TextContent
from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http

from ilteo.core.settings import Settings
from mcp import Client

REFERENCE_TOOLS = {
    "search_occupations",
    "get_occupation",
    "get_occupation_crosswalk",
    "search_industries",
    "get_industry",
    "list_reference_datasets",
}
ROOT = Path(__file__).resolve().parents[2]


def text_of(result: CallToolResult) -> str:
    """All text content of a tool result."""
    return "\n".join(part.text for part in result.content if isinstance(part, TextContent))


def run(server: Any, scenario: Callable[[Client], Awaitable[None]]) -> None:
    """Connect the official client to ``server`` and run ``scenario`` with it."""

    async def main() -> None:
        async with Client(server) as client:
            await scenario(client)

    anyio.run(main)


async def _check_tool_list(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) >= REFERENCE_TOOLS
    for name in REFERENCE_TOOLS:
        tool = tools[name]
        assert tool.description
        assert len(tool.description) > 150
        assert tool.output_schema is not None  # structured output
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        properties = tool.input_schema.get("properties", {})
        assert all(prop.get("description") for prop in properties.values()), name
    assert "not a probability of job loss" in (tools["get_occupation"].description or "").lower()


async def _call_every_tool(client: Client) -> None:
    found = await client.call_tool("search_occupations", {"query": "소프트웨어", "limit": 5})
    assert not found.is_error, text_of(found)
    hits = found.structured_content["result"]
    assert 1 <= len(hits) <= 5
    assert any(h["system"] == "ksco8" and h["code"] == "2222" for h in hits)

    detail = await client.call_tool("get_occupation", {"system": "onet", "code": "15-1252.00"})
    assert not detail.is_error, text_of(detail)
    body = detail.structured_content
    assert body is not None
    assert body["name_en"] == "Software Developers"
    assert body["exposures"]
    assert "not a probability of job loss" in body["caveat"]

    industries = await client.call_tool("search_industries", {"query": "소프트웨어"})
    assert not industries.is_error, text_of(industries)
    first = industries.structured_content["result"][0]
    assert first["revision"] == "11"

    industry = await client.call_tool("get_industry", {"code": first["code"], "revision": "11"})
    assert not industry.is_error, text_of(industry)
    assert industry.structured_content["code"] == first["code"]

    crosswalk = await client.call_tool(
        "get_occupation_crosswalk", {"system": "onet", "code": "15-1252.00", "target": "soc2018"}
    )
    assert not crosswalk.is_error, text_of(crosswalk)
    links = crosswalk.structured_content["links"]
    assert [(link["system"], link["code"]) for link in links] == [("soc2018", "15-1252")]
    assert links[0]["method"] == "official_crosswalk"

    datasets = await client.call_tool("list_reference_datasets", {})
    assert not datasets.is_error, text_of(datasets)
    by_id = {d["id"]: d for d in datasets.structured_content["result"]}
    assert by_id["onet"]["licence"] == "CC BY 4.0"


async def _errors_are_tool_errors(client: Client) -> None:
    missing = await client.call_tool("get_occupation", {"system": "ksco8", "code": "99999"})
    assert missing.is_error
    assert "Not found (not-found)" in text_of(missing)
    assert "99999" in text_of(missing)

    bad_industry = await client.call_tool("get_industry", {"code": "00000"})
    assert bad_industry.is_error
    assert "not-found" in text_of(bad_industry)

    bad_system = await client.call_tool("get_occupation", {"system": "ksco9", "code": "1"})
    assert bad_system.is_error
    assert "system" in text_of(bad_system)

    bad_limit = await client.call_tool("search_occupations", {"query": "x", "limit": 500})
    assert bad_limit.is_error
    assert "limit" in text_of(bad_limit)

    # The session survives the errors.
    again = await client.call_tool("get_industry", {"code": "J"})
    assert not again.is_error, text_of(again)


def test_tools_are_listed_over_http_with_a_key(server_url: str, mcp_settings: Settings) -> None:
    over_http(server_url, make_key(mcp_settings, "citizen")[1], _check_tool_list)


def test_every_tool_answers_over_http(server_url: str, mcp_settings: Settings) -> None:
    over_http(server_url, make_key(mcp_settings, "citizen")[1], _call_every_tool)


def test_errors_are_tool_errors_over_http(server_url: str, mcp_settings: Settings) -> None:
    over_http(server_url, make_key(mcp_settings, "citizen")[1], _errors_are_tool_errors)


def test_stdio_server_lists_and_calls_tools(mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "citizen")
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ilteo.cli", "mcp"],
        env={
            "ILTEO_ENV": "dev",
            "ILTEO_HOME": str(mcp_settings.home),
            "ILTEO_REFERENCE_DIR": str(mcp_settings.reference_dir),
            "ILTEO_API_KEY": token,
        },
        cwd=mcp_settings.home,
    )

    async def scenario(client: Client) -> None:
        await _check_tool_list(client)
        await _errors_are_tool_errors(client)

    mcp_settings.home.mkdir(parents=True, exist_ok=True)
    run(params, scenario)
