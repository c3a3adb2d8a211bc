"""MCP conformance over streamable HTTP with the official SDK client: list, call each, errors.

Every tool of :data:`ilteo.mcp.registry.TOOLS` is listed (in the registry's order, described,
typed), answers a valid call with structured content, and answers every bad call (unknown tool,
bad arguments, no key, bad key, missing scope or role) with a precise error, never a crash.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mcp_types import CallToolResult
from sqlalchemy import select
from tests.api.test_api_key_auth import make_key
from tests.lake.steward_factories import create_batch
from tests.mcp.test_mcp_auth import over_http, run, text_of

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.desk import classify
from ilteo.identity.apikey_models import ApiKey
from ilteo.mcp import create_server
from ilteo.mcp.registry import TOOLS
from mcp import Client

#: A valid call of every tool and a check of its structured content.
CALLS: dict[str, tuple[dict[str, Any], str]] = {
    "search_occupations": ({"query": "간호사", "limit": 3}, "result"),
    "get_occupation": ({"system": "ksco8", "code": "2222"}, "links"),
    "get_occupation_crosswalk": ({"system": "soc2018", "code": "15-1252"}, "links"),
    "search_industries": ({"query": "소프트웨어", "revision": "10"}, "result"),
    "get_industry": ({"code": "58221"}, "children"),
    "list_reference_datasets": ({}, "result"),
    "get_sign_in_report": ({"weeks": 2}, "weeks"),
    "list_lake_datasets": ({"layer": "curated"}, "result"),
    "get_lake_dataset": ({"dataset_id": "source.ei_events"}, "columns"),
    "get_lake_quality": ({"dimension": "validity"}, "latest"),
    "get_linkage_quality": ({"kind": "workplace"}, "result"),
    "get_quarantine_summary": ({"source": "ei_events"}, "groups"),
    "list_lake_batches": ({"source": "ei_events", "status": "done", "limit": 5}, "result"),
    "get_lake_batch": ({"batch_id": "<batch>"}, "accepted_rows"),
    "get_service_status": ({"menu": "reference-search"}, "menus"),
    "get_occupation_exposure": ({"code": "15-1252.00"}, "isco"),
    "get_labour_indicators": ({"by": ["sex"]}, "rows"),
    "list_labour_alerts": ({}, "alerts"),
    "list_high_risk_groups": ({}, "groups"),
    "recommend_transitions": ({"occupation": "2222", "top": 1}, "targets"),
    "match_training_courses": ({"skills": ["Programming"], "top": 1}, "courses"),
    "check_benefits": ({"check": {"as_of": "2026-03-02"}}, "programs"),
    "file_request": ({"text": "육아휴직 급여는 어디서 신청하나요?"}, "tracking_number"),
    "get_request_status": ({"number": "2026-0101-000000"}, "history"),  # replaced by a filed one
    "list_request_categories": ({}, "categories"),
    "get_desk_statistics": ({}, "by_category"),
    "get_safety_summary": ({}, "regions"),
    "get_safety_model_card": ({}, "available"),
    "list_safety_targets": ({"k": 3}, "targets"),
}
#: The one tool that writes (each call files a request): not read-only.
WRITING_TOOLS = frozenset({"file_request"})


def use_desk_models(settings: Settings, desk_settings: Settings) -> None:
    """The one window's models, trained once per test worker, instead of training here (minutes)."""
    classify.classifier(desk_settings)
    shutil.copytree(
        desk_settings.cache_dir / "desk", settings.cache_dir / "desk", dirs_exist_ok=True
    )


def restrict(settings: Settings, token: str, *scopes: str) -> None:
    """Give the key ``token`` exactly ``scopes`` (as a key made with those scopes would have)."""
    with session_scope(settings) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.id == token.split("_")[1])).one()
        row.scopes = list(scopes)


def test_the_registry_is_covered_by_these_calls() -> None:
    assert list(CALLS) == [tool.name for tool in TOOLS]


def test_tool_list_with_any_key(server_url: str, mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "citizen")  # a key of any scope may list every tool

    async def scenario(client: Client) -> None:
        tools = (await client.list_tools()).tools
        assert [tool.name for tool in tools] == [tool.name for tool in TOOLS]
        for tool, entry in zip(tools, TOOLS, strict=True):
            description = tool.description or ""
            assert len(description) > 300, tool.name
            assert f"scope '{entry.scope}'" in description, tool.name
            assert tool.title
            assert " / " in tool.title
            Draft202012Validator.check_schema(tool.input_schema)
            assert tool.input_schema["type"] == "object"
            assert tool.output_schema is not None
            Draft202012Validator.check_schema(tool.output_schema)
            for name, prop in tool.input_schema.get("properties", {}).items():
                assert len(prop.get("description", "")) > 15, (tool.name, name)
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is (tool.name not in WRITING_TOOLS)
            assert tool.annotations.destructive_hint is False

    over_http(server_url, token, scenario)


def test_every_tool_answers_a_steward(
    server_url: str, mcp_settings: Settings, desk_settings: Settings
) -> None:
    batch = create_batch(mcp_settings, source="ei_events")
    _, token = make_key(mcp_settings, "steward", ("data_steward", "administrator"))
    use_desk_models(mcp_settings, desk_settings)
    filed: dict[str, str] = {}

    async def scenario(client: Client) -> None:
        for name, (arguments, field) in CALLS.items():
            if name == "get_lake_batch":
                arguments = {"batch_id": batch.id}
            if name == "get_request_status":
                arguments = {"number": filed["number"]}
            result = await client.call_tool(name, arguments)
            assert not result.is_error, (name, text_of(result))
            assert isinstance(result.structured_content, dict), name
            assert field in result.structured_content, name
            if name == "file_request":
                filed["number"] = result.structured_content["tracking_number"]
        batches = await client.call_tool("list_lake_batches", {"source": "ei_events"})
        assert [b["id"] for b in batches.structured_content["result"]] == [batch.id]

    over_http(server_url, token, scenario)


def assert_error(result: CallToolResult, *needles: str) -> None:
    assert result.is_error
    assert result.structured_content is None
    for needle in needles:
        assert needle in text_of(result), text_of(result)


def test_bad_calls_are_precise_errors(server_url: str, mcp_settings: Settings) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))

    async def scenario(client: Client) -> None:
        unknown = await client.call_tool("delete_everything", {})
        assert_error(unknown, "delete_everything")
        wrong_type = await client.call_tool("search_occupations", {"query": "x", "limit": "many"})
        assert_error(wrong_type, "limit")
        out_of_range = await client.call_tool("get_sign_in_report", {"weeks": 0})
        assert_error(out_of_range, "weeks")
        too_long = await client.call_tool("get_lake_batch", {"batch_id": "x" * 81})
        assert_error(too_long, "batch_id")
        missing = await client.call_tool("get_occupation", {"system": "ksco8"})
        assert_error(missing, "code")
        bad_choice = await client.call_tool("list_lake_batches", {"status": "lost"})
        assert_error(bad_choice, "status")
        no_batch = await client.call_tool("get_lake_batch", {"batch_id": "ei_events-nope"})
        assert_error(no_batch, "not-found")
        no_code = await client.call_tool(
            "get_occupation_crosswalk", {"system": "ksco8", "code": "99999"}
        )
        assert_error(no_code, "not-found", "99999")
        fine = await client.call_tool("get_industry", {"code": "J"})
        assert not fine.is_error, text_of(fine)  # the session survived every error

    over_http(server_url, token, scenario)


@pytest.mark.parametrize(
    ("scopes", "allowed", "refused"),
    [
        (("reference:read",), "get_industry", "get_sign_in_report"),
        (("identity:read",), "get_sign_in_report", "list_lake_datasets"),
        (("lake:read",), "list_lake_datasets", "search_occupations"),
    ],
)
def test_a_key_reaches_only_its_scopes(
    server_url: str, mcp_settings: Settings, scopes: tuple[str, ...], allowed: str, refused: str
) -> None:
    _, token = make_key(mcp_settings, "steward", ("data_steward",))
    restrict(mcp_settings, token, *scopes)
    needed = next(tool.scope for tool in TOOLS if tool.name == refused)

    async def scenario(client: Client) -> None:
        ok = await client.call_tool(allowed, CALLS[allowed][0])
        assert not ok.is_error, text_of(ok)
        no = await client.call_tool(refused, CALLS[refused][0])
        assert_error(no, f"needs the scope '{needed}'", repr(scopes[0]))

    over_http(server_url, token, scenario)


def test_without_or_with_a_bad_key_every_tool_refuses(mcp_settings: Settings) -> None:
    """Over stdio (here in process) the gate is each tool: no key or a bad one, no answer.

    Over HTTP such a caller never gets a session (``test_mcp_auth``: 401 at ``/mcp``).
    """

    async def scenario(client: Client) -> None:
        for name, (arguments, _) in CALLS.items():
            result = await client.call_tool(name, arguments)
            assert_error(result, "API key", "/account/api-keys")

    run(create_server(mcp_settings), scenario)
    run(create_server(mcp_settings, local_api_key="ilteo_0123456789abcdef_" + "A" * 43), scenario)


def test_a_citizen_key_reads_reference_but_not_the_lake(
    server_url: str, mcp_settings: Settings, desk_settings: Settings
) -> None:
    _, token = make_key(mcp_settings, "citizen")
    use_desk_models(mcp_settings, desk_settings)
    filed: dict[str, str] = {}

    async def scenario(client: Client) -> None:
        for name, (arguments, _) in CALLS.items():
            if name == "get_request_status":
                arguments = {"number": filed["number"]}
            result = await client.call_tool(name, arguments)
            if name == "file_request" and result.structured_content:
                filed["number"] = result.structured_content["tracking_number"]
            if name.startswith(("list_lake", "get_lake", "get_linkage", "get_quarantine")):
                assert_error(result, "needs the role data_steward or administrator")
            elif name == "list_safety_targets":
                assert_error(result, "needs the role")
            else:
                assert not result.is_error, (name, text_of(result))

    over_http(server_url, token, scenario)
