"""The pathways MCP tools through the official ``mcp`` client over streamable HTTP.

Every call brings a citizen's API key (the tools answer for occupation codes and skill names,
scope ``reference:read``). The server runs in the home of the session's fixture lake, so the
occupation profiles and the course index are built once per session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path

from mcp_types import Tool
from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http
from tests.mcp.test_monitor_tools import assert_described
from tests.mcp.test_reference_tools import text_of
from tests.monitor.conftest import MonitorLake

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.pathways.courses import Gap, match_courses
from ilteo.pathways.plan import plan_json, recommend
from mcp import Client

TOOLS = ("recommend_transitions", "match_training_courses")


def _described(tool: Tool) -> None:
    assert_described(tool)
    assert "estimate" in tool.description


def _scenario(settings: Settings) -> Callable[[Client], Awaitable[None]]:
    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        for name in TOOLS:
            _described(tools[name])
        description = tools["recommend_transitions"].description or ""
        assert "NOT a probability of job loss" in description

        plan = await client.call_tool(
            "recommend_transitions", {"occupation": "2222", "top": 3, "region": "서울"}
        )
        assert not plan.is_error, text_of(plan)
        expected = plan_json(recommend(settings, "2222", top=3, region="서울"))
        assert plan.structured_content == expected
        onet = await client.call_tool(
            "recommend_transitions", {"occupation": "15-1252.00", "system": "onet"}
        )
        assert not onet.is_error, text_of(onet)
        assert onet.structured_content is not None
        assert onet.structured_content["origin"]["onet_code"] == "15-1252.00"

        unknown = await client.call_tool("recommend_transitions", {"occupation": "15-9999.00"})
        assert unknown.is_error
        assert "not-found" in text_of(unknown)
        bad = await client.call_tool("recommend_transitions", {"occupation": "2222", "top": 0})
        assert bad.is_error

        courses = await client.call_tool(
            "match_training_courses", {"skills": ["Programming", "mathematics"], "top": 2}
        )
        assert not courses.is_error, text_of(courses)
        body = courses.structured_content
        assert body is not None
        assert body["skills"] == ["Programming", "Mathematics"]
        matched = match_courses(settings, [Gap("Programming"), Gap("Mathematics")], top=2)
        assert [c["course_id"] for c in body["courses"]] == [m.course.course_id for m in matched]
        assert "estimate" in body["basis"]
        typo = await client.call_tool("match_training_courses", {"skills": ["Programing"]})
        assert typo.is_error
        assert "Programming" in text_of(typo)

    return scenario


def test_pathways_tools_over_http(
    monitor_lake: MonitorLake,
    tmp_path: Path,
    serve: Callable[[Settings], AbstractContextManager[str]],
) -> None:
    settings = monitor_lake.settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'identity.db'}"}
    )
    upgrade(settings)
    with serve(settings) as url:
        over_http(url, make_key(settings, "citizen")[1], _scenario(settings))
