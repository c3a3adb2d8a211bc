"""ilteo Open MCP with the official MCP SDK client over streamable HTTP.

Lists the tools, then calls the reference tools ``search_occupations`` and ``get_occupation``.
Run: ``ILTEO_API_KEY=ilteo_... python docs/examples/mcp_client.py``. The server's address comes
from ``ILTEO_BASE_URL`` (default ``http://127.0.0.1:8000``); the MCP endpoint is ``/mcp``. The key
goes in the ``Authorization`` header: without it ``/mcp`` answers 401 and no session opens.
"""

from __future__ import annotations

import os
import sys

import anyio
import httpx2  # the HTTP client the MCP SDK's transports use
from mcp.client.streamable_http import streamable_http_client
from mcp_types import TextContent

from mcp import Client

BASE_URL = os.environ.get("ILTEO_BASE_URL", "http://127.0.0.1:8000")
API_KEY = os.environ.get("ILTEO_API_KEY")


async def main() -> int:
    """List the tools and call two of them; exit 1 when a call answers with a tool error."""
    if not API_KEY:
        print("set ILTEO_API_KEY: /mcp answers 401 without a key", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
        Client(streamable_http_client(f"{BASE_URL}/mcp", http_client=http)) as client,
    ):
        tools = (await client.list_tools()).tools
        print(f"{len(tools)} tools: " + ", ".join(tool.name for tool in tools))

        found = await client.call_tool("search_occupations", {"query": "소프트웨어", "limit": 3})
        if found.is_error or found.structured_content is None:
            return 1
        for hit in found.structured_content["result"]:
            print(f"found {hit['system']} {hit['code']} {hit['name_ko']}")

        detail = await client.call_tool("get_occupation", {"system": "onet", "code": "15-1252.00"})
        if detail.is_error or detail.structured_content is None:
            return 1
        print(f"read {detail.structured_content['code']} {detail.structured_content['name_en']}")

        # A bad argument is a tool error with a readable message, not a crash.
        missing = await client.call_tool("get_occupation", {"system": "ksco8", "code": "99999"})
        text = " ".join(part.text for part in missing.content if isinstance(part, TextContent))
        print(f"tool error: {missing.is_error} {text[:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
