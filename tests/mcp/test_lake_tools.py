"""The read-only lake MCP tools through the official client (in process)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest
from mcp_types import CallToolResult, TextContent
from tests.api.test_api_key_auth import make_key
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    create_quarantine_row,
    write_linkage_evaluation,
    write_small_lake,
)

from ilteo.core.settings import Settings
from ilteo.lake.consistency import run_consistency
from ilteo.mcp import create_server
from mcp import Client

LAKE_TOOLS = {
    "list_lake_datasets",
    "get_lake_dataset",
    "get_lake_quality",
    "get_linkage_quality",
    "get_quarantine_summary",
}


def text_of(result: CallToolResult) -> str:
    return "\n".join(part.text for part in result.content if isinstance(part, TextContent))


def run(settings: Settings, scenario: Callable[[Client], Awaitable[None]]) -> None:
    # The real server, every tool, as a data steward sees it (lake tools need a steward's key;
    # tests/mcp/test_mcp_auth.py checks the refusals).
    _, key = make_key(settings, "steward", ("data_steward",))
    server = create_server(settings, local_api_key=key)

    async def main() -> None:
        async with Client(server) as client:
            await scenario(client)

    anyio.run(main)


@pytest.fixture
def filled(mcp_settings: Settings) -> Settings:
    batch = create_batch(mcp_settings, source="ei_events")
    create_quarantine_row(mcp_settings, batch.id)
    create_quality_score(mcp_settings, batch_id=batch.id, field="ksco_code", score=0.5)
    write_small_lake(mcp_settings)
    write_linkage_evaluation(mcp_settings)
    run_consistency(mcp_settings, now=NOW)
    return mcp_settings


def test_tools_are_described_typed_and_read_only(mcp_settings: Settings) -> None:
    async def scenario(client: Client) -> None:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(listed) >= LAKE_TOOLS
        tools = {name: listed[name] for name in LAKE_TOOLS}
        for tool in tools.values():
            assert len(tool.description or "") > 200, tool.name
            assert tool.output_schema is not None
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is True
            assert tool.annotations.destructive_hint is False
            properties = tool.input_schema.get("properties", {})
            assert all(p.get("description") for p in properties.values()), tool.name
        assert "personal data" in (tools["list_lake_datasets"].description or "")
        assert "MASKED" in (tools["get_quarantine_summary"].description or "")

    run(mcp_settings, scenario)


def test_every_tool_answers_on_an_empty_lake(mcp_settings: Settings) -> None:
    async def scenario(client: Client) -> None:
        listed = await client.call_tool("list_lake_datasets", {"layer": "source"})
        assert not listed.is_error, text_of(listed)
        entries = listed.structured_content["result"]
        assert entries
        assert {e["layer"] for e in entries} == {"source"}
        assert all(e["columns"] == [] for e in entries)  # columns come with get_lake_dataset
        quality = await client.call_tool("get_lake_quality", {})
        assert quality.structured_content == {"latest": [], "alerts": [], "series": []}
        linkage = await client.call_tool("get_linkage_quality", {"kind": "person"})
        assert [s["available"] for s in linkage.structured_content["result"]] == [False]
        quarantine = await client.call_tool("get_quarantine_summary", {})
        assert quarantine.structured_content["total_rows"] == 0

    run(mcp_settings, scenario)


def test_tools_read_the_lake(filled: Settings) -> None:
    async def scenario(client: Client) -> None:
        dataset = await client.call_tool("get_lake_dataset", {"dataset_id": "curated.ei_events"})
        assert not dataset.is_error, text_of(dataset)
        body = dataset.structured_content
        assert body["rows"] == 5
        assert body["access_rights"] == "non-public"
        assert {c["name"]: c["personal"] for c in body["columns"]}["rrn_hash"] == "rrn"

        quality = await client.call_tool(
            "get_lake_quality", {"source": "ei_events", "dimension": "consistency"}
        )
        alerts = quality.structured_content["alerts"]
        assert [a["field"] for a in alerts] == ["workplace_ksic@workplaces"]

        linkage = await client.call_tool("get_linkage_quality", {})
        person = linkage.structured_content["result"][0]
        assert person["available"] is True
        assert any(m["slice"] == "source:kdt_enrolments" for m in person["metrics"])

        quarantine = await client.call_tool("get_quarantine_summary", {"source": "ei_events"})
        group = quarantine.structured_content["groups"][0]
        assert (group["rule"], group["open_rows"]) == ("rrn.check_digit", 1)
        assert group["examples"] == []  # no personal value, even masked, on the open MCP

    run(filled, scenario)


def test_expected_failures_are_tool_errors(mcp_settings: Settings) -> None:
    async def scenario(client: Client) -> None:
        missing = await client.call_tool("get_lake_dataset", {"dataset_id": "nope.nothing"})
        assert missing.is_error
        assert "not-found" in text_of(missing)
        assert "nope.nothing" in text_of(missing)
        source = await client.call_tool("get_quarantine_summary", {"source": "nope"})
        assert source.is_error
        assert "not-found" in text_of(source)
        layer = await client.call_tool("list_lake_datasets", {"layer": "gold"})
        assert layer.is_error
        again = await client.call_tool("list_lake_datasets", {})
        assert not again.is_error

    run(mcp_settings, scenario)
