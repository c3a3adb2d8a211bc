"""The safety room's MCP tools through the official ``mcp`` client over streamable HTTP.

The public aggregates and the model card answer any API key; the target preview names
workplaces, so it needs a key of the room's staff and never queues anything. The server runs on
the scored home of ``tests/safety/test_api.py`` with this test's own store.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http, run
from tests.mcp.test_reference_tools import text_of
from tests.safety.test_api import home, scored_home  # noqa: F401 - fixtures used by name

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.mcp import create_server
from ilteo.safety import service
from ilteo.safety.models import Inspection
from mcp import Client

TOOLS = ("get_safety_summary", "get_safety_model_card", "list_safety_targets")


def test_safety_tools_over_http(
    home: Settings,  # noqa: F811 - the fixture imported above
    serve: Callable[[Settings], AbstractContextManager[str]],
) -> None:
    _, staff = make_key(home, "inspector", roles=("inspector",))
    _, citizen = make_key(home, "citizen")
    scores, _ = service.read_scores(home)
    names = scores.sort("rank")["name"].head(20).to_list()
    model_version = str(scores["model_version"][0])

    async def as_staff(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        for name in TOOLS:
            tool = tools[name]
            assert len(tool.description or "") > 300, name
            assert "reference:read" in (tool.description or "")
            assert tool.output_schema is not None
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is True
            properties = tool.input_schema.get("properties", {})
            assert all(p.get("description") for p in properties.values()), name
        assert "inspector" in (tools["list_safety_targets"].description or "")

        summary = await client.call_tool("get_safety_summary", {})
        assert not summary.is_error, text_of(summary)
        body = summary.structured_content
        assert body is not None
        assert body["workplaces_scored"] == scores.height
        assert body["synthetic"] is True
        assert body["synthetic_label"]
        assert all(name not in str(body) for name in names)

        card = await client.call_tool("get_safety_model_card", {})
        assert not card.is_error, text_of(card)
        assert card.structured_content is not None
        assert card.structured_content["available"] is True
        assert card.structured_content["version"] == model_version
        assert card.structured_content["calibration"]["bins"]
        assert "Levine" in card.structured_content["effect"]["source"]

        args = {"k": 6, "random_share": 0.5, "seed": 11}
        first = await client.call_tool("list_safety_targets", args)
        assert not first.is_error, text_of(first)
        targets = first.structured_content
        assert targets is not None
        assert targets["available"] is True
        assert (targets["queued"], targets["seed"], len(targets["targets"])) == (False, 11, 6)
        assert targets["by_selection"] == {"model": 3, "random": 3}
        again = await client.call_tool("list_safety_targets", args)
        assert again.structured_content is not None
        assert [t["master_id"] for t in again.structured_content["targets"]] == [
            t["master_id"] for t in targets["targets"]
        ]
        for bad in ({"k": 0}, {"k": 3, "random_share": 1.0}, {"k": scores.height + 1}):
            refused = await client.call_tool("list_safety_targets", bad)
            assert refused.is_error, bad

    async def as_citizen(client: Client) -> None:
        summary = await client.call_tool("get_safety_summary", {})
        assert not summary.is_error, text_of(summary)
        card = await client.call_tool("get_safety_model_card", {})
        assert not card.is_error, text_of(card)
        refused = await client.call_tool("list_safety_targets", {"k": 3})
        assert refused.is_error
        assert "role" in text_of(refused)
        assert all(name not in text_of(refused) for name in names)

    with serve(home) as url:
        over_http(url, staff, as_staff)
        over_http(url, citizen, as_citizen)
    with session_scope(home) as session:
        assert session.query(Inspection).count() == 0


def test_before_training_the_tools_say_what_to_run(settings: Settings) -> None:
    upgrade(settings)
    _, key = make_key(settings, "admin", roles=("administrator",))

    async def scenario(client: Client) -> None:
        card = await client.call_tool("get_safety_model_card", {})
        assert not card.is_error, text_of(card)
        assert card.structured_content is not None
        assert card.structured_content["available"] is False
        assert "ilteo safety train" in card.structured_content["message"]
        targets = await client.call_tool("list_safety_targets", {"k": 3})
        assert not targets.is_error, text_of(targets)
        assert targets.structured_content is not None
        assert targets.structured_content["available"] is False
        assert targets.structured_content["targets"] == []
        assert "ilteo safety score" in targets.structured_content["message"]
        bad = await client.call_tool("list_safety_targets", {"k": 0})
        assert bad.is_error
        summary = await client.call_tool("get_safety_summary", {})
        assert not summary.is_error, text_of(summary)
        assert summary.structured_content is not None
        assert summary.structured_content["regions"] == []

    run(create_server(settings, local_api_key=key), scenario)
