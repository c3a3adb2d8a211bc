"""The monitoring MCP tools through the official ``mcp`` client over streamable HTTP.

Every call brings a citizen's API key (the tools read public aggregates, scope ``reference:read``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from mcp_types import Tool
from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http
from tests.mcp.test_reference_tools import text_of
from tests.monitor.conftest import MonitorLake

from ilteo.core.settings import Settings
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import MEASURES
from mcp import Client

MONITOR_TOOLS = ("get_occupation_exposure", "get_labour_indicators", "list_labour_alerts")


def assert_described(tool: Tool) -> None:
    """A public read-only tool, described for a model: purpose, schemas, every parameter."""
    assert tool.description
    assert len(tool.description) > 300
    assert tool.output_schema is not None
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    properties = tool.input_schema.get("properties", {})
    assert properties
    assert all(prop.get("description") for prop in properties.values()), tool.name
    assert "reference:read" in tool.description


async def _exposure(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in MONITOR_TOOLS:
        assert_described(tools[name])
    description = (tools["get_occupation_exposure"].description or "").lower()
    assert "not a probability of job loss" in description

    onet = await client.call_tool("get_occupation_exposure", {"code": "15-1252.00"})
    assert not onet.is_error, text_of(onet)
    body = onet.structured_content
    assert body is not None
    assert (body["system"], body["title"]) == ("onet", "Software Developers")
    assert [r["isco08"] for r in body["isco"]] == ["2512"]
    assert body["caveat"] == CAVEAT

    ksco = await client.call_tool("get_occupation_exposure", {"code": "2222"})
    assert not ksco.is_error, text_of(ksco)
    assert ksco.structured_content is not None
    assert ksco.structured_content["ksco"]["ksco8"] == "2222"

    isco = await client.call_tool("get_occupation_exposure", {"code": "2512", "system": "isco08"})
    assert isco.structured_content is not None
    assert isco.structured_content["system"] == "isco08"

    unknown = await client.call_tool("get_occupation_exposure", {"code": "15-9999"})
    assert unknown.is_error
    assert "not-found" in text_of(unknown)
    assert "nearest: 15-" in text_of(unknown)

    bad = await client.call_tool("get_occupation_exposure", {"code": "2222", "system": "ksco9"})
    assert bad.is_error

    empty = await client.call_tool("get_labour_indicators", {})
    assert not empty.is_error, text_of(empty)
    assert empty.structured_content is not None
    assert (empty.structured_content["rows"], empty.structured_content["months"]) == ([], [])


def test_exposure_tool_over_http(server_url: str, mcp_settings: Settings) -> None:
    over_http(server_url, make_key(mcp_settings, "citizen")[1], _exposure)


async def _indicators(client: Client) -> None:
    national = await client.call_tool("get_labour_indicators", {"month_from": "2025-01"})
    assert not national.is_error, text_of(national)
    body = national.structured_content
    assert body is not None
    assert [row["month"] for row in body["rows"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert set(MEASURES) <= set(body["rows"][0])
    assert body["min_cell"] == 5

    cells = await client.call_tool(
        "get_labour_indicators", {"by": ["ksco1", "sex"], "month_from": "2025-06", "limit": 5}
    )
    assert cells.structured_content is not None
    assert len(cells.structured_content["rows"]) == 5
    assert cells.structured_content["truncated"] is True

    outside = await client.call_tool("get_labour_indicators", {"month_from": "2031-01"})
    assert outside.is_error
    assert "invalid-input" in text_of(outside)

    alerts = await client.call_tool("list_labour_alerts", {"limit": 20})
    assert not alerts.is_error, text_of(alerts)
    found = alerts.structured_content
    assert found is not None
    assert found["month"] == "2025-12"
    for alert in found["alerts"]:
        assert {"measure", "group", "since", "observed", "expected", "chart"} <= set(alert)
        assert "master_id" not in alert


def test_indicator_and_alert_tools_over_http(
    monitor_lake: MonitorLake,
    tmp_path: Path,
    serve: Callable[[Settings], AbstractContextManager[str]],
) -> None:
    home = tmp_path / "home"
    shutil.copytree(monitor_lake.settings.home, home)  # the session lake stays read-only
    settings = monitor_lake.settings.model_copy(update={"home": home})
    with serve(settings) as url:
        over_http(url, make_key(settings, "citizen")[1], _indicators)
