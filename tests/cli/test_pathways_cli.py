"""``ilteo pathways recommend`` and ``ilteo pathways person`` on the real reference data.

The commands run in the home of the session's fixture lake (``monitor_lake``): the occupation
profiles and the course index are built once per session, and ``person`` has people to read.
"""

from __future__ import annotations

import json

from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.cli import pathways as pathways_cli
from ilteo.core.errors import NotFoundError
from ilteo.monitor.risk import group_members, high_risk_groups
from ilteo.pathways.plan import person_plan, person_plan_json, plan_json, recommend


def _run(lake: MonitorLake, *args: str) -> tuple[int, str]:
    # A wide terminal: rich wraps long lines at the width it detects (80 columns in a runner).
    runner = CliRunner(env={"COLUMNS": "400"})
    result = runner.invoke(pathways_cli.app, list(args), obj=lake.settings)
    return result.exit_code, result.output


def test_recommend_a_ksco_code_prints_the_targets(monitor_lake: MonitorLake) -> None:
    code, output = _run(monitor_lake, "recommend", "--occupation", "2222", "--top", "3")
    assert code == 0, output
    plan = plan_json(recommend(monitor_lake.settings, "2222", top=3))
    assert "2222" in output
    for target in plan["targets"]:
        assert target["onet_code"] in output
        for course in target["courses"]:
            assert course["name"] in output
    assert any(mark in output for mark in ("✓", "✗"))
    assert plan["caveat"][:20] in output


def test_recommend_json_is_the_plan_json(monitor_lake: MonitorLake) -> None:
    code, output = _run(
        monitor_lake, "recommend", "--occupation", "15-1252.00", "--top", "4", "--json"
    )
    assert code == 0, output
    body = json.loads(output)
    assert body == plan_json(recommend(monitor_lake.settings, "15-1252.00", top=4))
    assert body["origin"]["onet_code"] == "15-1252.00"
    assert 1 <= len(body["targets"]) <= 4  # fewer when fewer pass the filters (notes say so)
    for target in body["targets"]:
        assert set(target["filters"]) == {"viable", "desirable", "safer"}
        assert target["ksco"] is not None


def test_recommend_with_region_system_and_courses(monitor_lake: MonitorLake) -> None:
    code, output = _run(
        monitor_lake, "recommend", "--occupation", "2222", "--system", "ksco8",
        "--region", "서울", "--courses", "1", "--json",
    )  # fmt: skip
    assert code == 0, output
    body = json.loads(output)
    assert body == plan_json(
        recommend(monitor_lake.settings, "2222", system="ksco8", region="서울", courses=1)
    )
    assert all(len(t["courses"]) <= 1 for t in body["targets"])


def test_unknown_codes_name_the_nearest_and_exit_2(monitor_lake: MonitorLake) -> None:
    try:
        recommend(monitor_lake.settings, "15-9999.00")
    except NotFoundError as exc:
        suggestions = exc.extra["suggestions"]
    else:
        raise AssertionError("an unknown code must be refused")
    code, output = _run(monitor_lake, "recommend", "--occupation", "15-9999.00")
    assert code == 2
    assert suggestions
    assert all(s.split(" ")[0] in output for s in suggestions)
    bad, message = _run(monitor_lake, "recommend", "--occupation", "2222", "--system", "x")
    assert bad == 2
    assert "Traceback" not in message


def test_person_prints_the_plan_of_a_lake_person(monitor_lake: MonitorLake) -> None:
    group = high_risk_groups(monitor_lake.settings, limit=1)[0]
    master_id = group_members(monitor_lake.settings, group.group_id)[0].master_id
    code, output = _run(monitor_lake, "person", master_id, "--json")
    assert code == 0, output
    body = json.loads(output)
    assert body == person_plan_json(person_plan(monitor_lake.settings, master_id))
    assert body["has_history"] is True
    code, text = _run(monitor_lake, "person", master_id)
    assert code == 0, text
    assert master_id in text
    assert body["history"][0]["ksco"] in text
    missing, message = _run(monitor_lake, "person", "P999999999")
    assert missing == 2
    assert "P999999999" in message
