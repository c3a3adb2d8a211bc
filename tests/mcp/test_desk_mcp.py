"""The one window's MCP tools through the official ``mcp`` client over streamable HTTP.

Every call brings an API key, so the caller is always an account: a request filed over MCP
belongs to it (channel ``mcp``) and may be a complaint. The server runs on the session's desk home
(the classifier trained once per worker) with this test's own store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http, run
from tests.mcp.test_reference_tools import text_of

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.intake import submit
from ilteo.desk.models import Request
from ilteo.desk.taxonomy import CATEGORIES
from ilteo.mcp import create_server
from mcp import Client

TOOLS = ("file_request", "get_request_status", "list_request_categories", "get_desk_statistics")
WAGES = (
    "부산광역시 해운대구 센텀중앙로 999 (주)가온물류에서 석 달째 월급을 못 받았습니다. "
    "신고하고 싶어요."
)


@pytest.fixture
def desk_home(desk_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store."""
    own = desk_settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(own)
    return own


def test_desk_tools_over_http(
    desk_home: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> None:
    account_id, token = make_key(desk_home, "citizen")
    other_id, _ = make_key(desk_home, "someone")
    theirs = submit(desk_home, text=WAGES, channel="web", kind="complaint", account_id=other_id)
    anonymous = submit(desk_home, text="실업급여는 어떻게 신청하나요?", channel="web")
    for i in range(5):
        submit(desk_home, text=f"{WAGES} ({i})", channel="web")
    filed: dict[str, str] = {}

    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        for name in TOOLS:
            tool = tools[name]
            assert len(tool.description or "") > 300, name
            assert "reference:read" in (tool.description or "")
            assert tool.output_schema is not None
            properties = tool.input_schema.get("properties", {})
            assert all(p.get("description") for p in properties.values()), name
        assert tools["file_request"].annotations is not None
        assert tools["file_request"].annotations.read_only_hint is False
        assert tools["get_request_status"].annotations is not None
        assert tools["get_request_status"].annotations.read_only_hint is True

        receipt = await client.call_tool(
            "file_request",
            {"text": WAGES, "kind": "complaint", "workplace_name": "(주)가온물류",
             "workplace_address": "부산광역시 해운대구 센텀중앙로 999",
             "contact": "010-0000-1234"},
        )  # fmt: skip
        assert not receipt.is_error, text_of(receipt)
        body = receipt.structured_content
        assert body is not None
        assert re.fullmatch(r"\d{4}-\d{4}-[0-9A-Z]{6}", body["tracking_number"])
        assert body["kind"] == "complaint"
        assert body["category"] == "wage_arrears"
        assert body["deadline"]
        filed["number"] = body["tracking_number"]

        status = await client.call_tool("get_request_status", {"number": filed["number"]})
        assert not status.is_error, text_of(status)
        assert status.structured_content is not None
        assert [h["status"] for h in status.structured_content["history"]] == [
            "received",
            "classified",
        ]
        open_to_all = await client.call_tool(
            "get_request_status", {"number": anonymous.tracking_number}
        )
        assert not open_to_all.is_error, text_of(open_to_all)
        hidden = await client.call_tool("get_request_status", {"number": theirs.tracking_number})
        unknown = await client.call_tool("get_request_status", {"number": "2026-0101-ZZZZZZ"})
        assert hidden.is_error
        assert unknown.is_error
        assert "not-found" in text_of(hidden)
        assert text_of(hidden).replace(theirs.tracking_number, "N") == text_of(unknown).replace(
            "2026-0101-ZZZZZZ", "N"
        )
        malformed = await client.call_tool("get_request_status", {"number": "nope"})
        assert malformed.is_error

        for text in ("", "😀🎉", "가" * 100_001):
            bad = await client.call_tool("file_request", {"text": text})
            assert bad.is_error, text[:10]
            assert "text" in text_of(bad)
        petition = await client.call_tool("file_request", {"text": WAGES, "kind": "petition"})
        assert petition.is_error

        categories = await client.call_tool("list_request_categories", {})
        assert not categories.is_error, text_of(categories)
        assert categories.structured_content is not None
        codes = [c["code"] for c in categories.structured_content["categories"]]
        assert codes == list(CATEGORIES)

        stats = await client.call_tool("get_desk_statistics", {})
        assert not stats.is_error, text_of(stats)
        assert stats.structured_content is not None
        assert stats.structured_content["total"]["received"] == 8
        assert stats.structured_content["suppressed_below"] == 5
        backwards = await client.call_tool(
            "get_desk_statistics", {"since": "2026-02-01", "until": "2026-01-01"}
        )
        assert backwards.is_error

    with serve(desk_home) as url:
        over_http(url, token, scenario)
    with session_scope(desk_home) as session:
        row = session.get(Request, filed["number"])
        assert row is not None
        assert (row.channel, row.account_id, row.kind) == ("mcp", account_id, "complaint")
        assert "010-0000-1234" not in (row.contact_masked or "")


def test_filing_needs_a_key(desk_home: Settings) -> None:
    async def scenario(client: Client) -> None:
        refused = await client.call_tool("file_request", {"text": WAGES})
        assert refused.is_error
        assert "API key" in text_of(refused)

    run(create_server(desk_home), scenario)
    with session_scope(desk_home) as session:
        assert session.query(Request).count() == 0
