"""The locust user of ``bench_status_load.py``: citizens' pages, API calls and MCP tool calls.

Each user makes ``ILTEO_LOAD_RATE`` requests per second (``constant_throughput``), picked by
weight: 50 % citizen pages (home, the reference browser, an occupation page, the status page),
35 % Open API reads (a search, one occupation), 15 % MCP tool calls over streamable HTTP (one
session per user, opened in ``on_start``). API and MCP calls carry ``ILTEO_API_KEY``. Each
request is named by its route template (MCP calls ``mcp:<tool>``), so the driver can map the
counts to service menus and compare them with what ``/v1/status`` reports.
"""

from __future__ import annotations

import json
import os
from typing import Any

from locust import HttpUser, constant_throughput, task

KEY = os.environ.get("ILTEO_API_KEY", "")
RATE = float(os.environ.get("ILTEO_LOAD_RATE", "1"))
MCP_ACCEPT = "application/json, text/event-stream"


class Citizen(HttpUser):
    """One person, developer or assistant using ilteo at a steady pace."""

    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        """Open an MCP session (initialize, then the initialized notification)."""
        self.session_id = ""
        answer = self.client.post(
            "/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 0,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "locust", "version": "1"},
                },
            },
            headers=self._mcp_headers(),
            name="mcp:initialize",
        )
        self.session_id = answer.headers.get("mcp-session-id", "")
        self.client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "method": "notifications/initialized"},
            headers=self._mcp_headers(),
            name="mcp:initialized",
        )

    def _mcp_headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {KEY}", "Accept": MCP_ACCEPT}
        if getattr(self, "session_id", ""):
            headers["Mcp-Session-Id"] = self.session_id
        return headers

    # --- citizen pages (50 %) -------------------------------------------------------------------

    @task(15)
    def home(self) -> None:
        """The home page."""
        self.client.get("/", name="GET /")

    @task(10)
    def reference_browser(self) -> None:
        """The reference browser with a search."""
        self.client.get("/reference?q=간호사", name="GET /reference")

    @task(15)
    def occupation_page(self) -> None:
        """One occupation's page."""
        self.client.get(
            "/reference/occupations/ksco8/2222", name="GET /reference/occupations/{system}/{code}"
        )

    @task(10)
    def status_page(self) -> None:
        """The public status page."""
        self.client.get("/status", name="GET /status")

    # --- Open API (35 %) ------------------------------------------------------------------------

    @task(20)
    def api_search(self) -> None:
        """An occupation search."""
        self.client.get(
            "/v1/reference/occupations?q=소프트웨어",
            headers={"Authorization": f"Bearer {KEY}"},
            name="GET /v1/reference/occupations",
        )

    @task(15)
    def api_detail(self) -> None:
        """One occupation."""
        self.client.get(
            "/v1/reference/occupations/onet/15-1252.00",
            headers={"Authorization": f"Bearer {KEY}"},
            name="GET /v1/reference/occupations/{system}/{code}",
        )

    # --- Open MCP (15 %) ------------------------------------------------------------------------

    @task(15)
    def mcp_tool(self) -> None:
        """A tool call of the MCP session."""
        call: dict[str, Any] = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "get_occupation", "arguments": {"system": "ksco8", "code": "2222"}},
        }
        with self.client.post(
            "/mcp",
            data=json.dumps(call),
            headers={**self._mcp_headers(), "Content-Type": "application/json"},
            name="mcp:get_occupation",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200 or '"isError":true' in answer.text.replace(" ", ""):
                answer.failure(f"tool call failed: {answer.status_code} {answer.text[:200]}")
