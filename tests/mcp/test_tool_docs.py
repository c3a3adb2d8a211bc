"""Every MCP tool is documented in docs/api.md (a new tool without docs fails)."""

from __future__ import annotations

from pathlib import Path

import anyio

from ilteo.core.settings import Settings
from ilteo.mcp import create_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_tool_is_documented(mcp_settings: Settings) -> None:
    tools = anyio.run(create_server(mcp_settings).list_tools)
    docs = DOCS.read_text(encoding="utf-8")
    assert tools
    assert [tool.name for tool in tools if f"| `{tool.name}` |" not in docs] == []
