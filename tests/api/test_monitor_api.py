"""The ``/v1/monitor`` endpoints: exposure by code, the crosswalk (pages and CSV), indicators."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.monitor.crosswalk import CSV_COLUMNS, ksco_isco_crosswalk
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import MEASURES

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://ilteo.kr/problems/{code}"
    return body


def test_exposure_of_a_ksco_code_carries_profile_sources_and_caveat(client: TestClient) -> None:
    response = client.get("/v1/monitor/exposure/2222")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["system"], body["code"], body["detected"]) == ("ksco8", "2222", True)
    assert body["ksco"]["ksco8"] == "2222"
    assert body["caveat"] == CAVEAT
    assert body["isco"]
    assert all(r["via"] == "ilteo_crosswalk" for r in body["isco"])
    assert 0 <= body["combined"] <= 1
    assert {a["dataset"] for a in body["attribution"]} >= {"ksco8", "ilo_genai_2025"}
    assert any('rel="license"' in link for link in response.headers.get_list("link"))


def test_exposure_of_onet_and_soc_codes_reaches_isco_through_official_crosswalks(
    client: TestClient,
) -> None:
    onet = client.get("/v1/monitor/exposure/15-1252.00").json()
    assert onet["system"] == "onet"
    assert [r["isco08"] for r in onet["isco"]] == ["2512"]
    assert onet["isco"][0]["via"] == "official_crosswalk"
    native = {(s["index"], s["code"]) for s in onet["native_scores"]}
    assert ("eloundou_beta_gpt4", "15-1252.00") in native
    soc = client.get("/v1/monitor/exposure/15-1132").json()  # SOC 2010, replaced in SOC 2018
    assert soc["system"] == "soc2010"
    assert ("felten_aioe", "15-1132") in {(s["index"], s["code"]) for s in soc["native_scores"]}
    isco = client.get("/v1/monitor/exposure/2512", params={"system": "isco08"}).json()
    assert isco["system"] == "isco08"
    assert isco["isco"][0]["profile"]["isco08"] == "2512"


def test_unknown_codes_are_404_with_the_nearest_valid_codes(client: TestClient) -> None:
    body = _problem(client.get("/v1/monitor/exposure/15-9999"), 404, "not-found")
    assert body["suggestions"]
    assert all(s.startswith("15-") for s in body["suggestions"])
    onet = _problem(client.get("/v1/monitor/exposure/15-1132.00"), 404, "not-found")
    assert onet["suggestions"][0] == "15-1132"  # a 2010 O*NET-SOC code: its SOC code first
    _problem(client.get("/v1/monitor/exposure/abc"), 422, "invalid-input")
    _problem(client.get("/v1/monitor/exposure/2222", params={"system": "x"}), 422, "invalid-input")


def test_exposure_answers_have_etags_and_answer_304(client: TestClient) -> None:
    first = client.get("/v1/monitor/exposure/2222")
    again = client.get(
        "/v1/monitor/exposure/2222", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert first.headers["ETag"] != client.get("/v1/monitor/exposure/2221").headers["ETag"]


def test_exposure_list_pages_through_every_profile(client: TestClient) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 200}
    while True:
        body = client.get("/v1/monitor/exposure", params=params).json()
        seen += [item["ksco8"] for item in body["items"]]
        assert body["caveat"] == CAVEAT
        if body["next_cursor"] is None:
            break
        params = {"limit": 200, "cursor": body["next_cursor"]}
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) > 400


def test_crosswalk_pages_filter_and_match_the_csv(
    client: TestClient, api_settings: Settings
) -> None:
    built = ksco_isco_crosswalk(api_settings)
    page = client.get("/v1/monitor/crosswalk", params={"major": "2", "limit": 1000}).json()
    rows = page["items"]
    assert rows
    assert all(r["ksco8"].startswith("2") for r in rows)
    assert len(rows) == sum(1 for x in built.links if x.ksco8.startswith("2"))
    assert page["coverage"]["ksco_units"] == len(built.ksco)
    assert "not an official" in page["note"]
    confident = client.get("/v1/monitor/crosswalk", params={"min_confidence": 0.9}).json()
    assert all(r["confidence"] >= 0.9 for r in confident["items"])
    response = client.get("/v1/monitor/crosswalk.csv", params={"major": "2"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [r["ksco8"] + r["isco08"] for r in table] == [r["ksco8"] + r["isco08"] for r in rows]
    cached = client.get(
        "/v1/monitor/crosswalk.csv",
        params={"major": "2"},
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert cached.status_code == 304
    _problem(client.get("/v1/monitor/crosswalk", params={"major": "22"}), 422, "invalid-input")


def test_indicators_before_any_build_are_an_empty_list(client: TestClient) -> None:
    body = client.get("/v1/monitor/indicators").json()
    assert (body["items"], body["months"]) == ([], [])
    assert body["min_cell"] == 5


@pytest.fixture
def lake_client(monitor_lake: MonitorLake) -> Iterator[TestClient]:
    with TestClient(create_app(monitor_lake.settings)) as client:
        yield client


def test_indicators_are_suppressed_aggregates_with_filters(lake_client: TestClient) -> None:
    national = lake_client.get("/v1/monitor/indicators").json()
    assert len(national["items"]) == len(national["months"]) == 36
    assert all(row["employment"] > 0 for row in national["items"])
    cells = lake_client.get(
        "/v1/monitor/indicators",
        params={"by": "ksco1,sex", "month_from": "2025-01", "month_to": "2025-03", "limit": 1000},
    ).json()["items"]
    assert {row["month"] for row in cells} == {"2025-01", "2025-02", "2025-03"}
    assert any(row["suppressed"] for row in cells)
    for row in cells:
        if row["suppressed"]:
            assert any(row[m] is None for m in MEASURES)
    clerks = lake_client.get("/v1/monitor/indicators", params={"ksco": "3", "sex": "F"}).json()
    assert clerks["items"]
    assert clerks["items"] != national["items"]
    outside = lake_client.get("/v1/monitor/indicators", params={"month_from": "2030-01"})
    _problem(outside, 422, "invalid-input")
    _problem(lake_client.get("/v1/monitor/indicators", params={"by": "nope"}), 422, "invalid-input")


def test_alerts_and_high_risk_groups_are_group_aggregates(lake_client: TestClient) -> None:
    alerts = lake_client.get("/v1/monitor/alerts").json()
    assert alerts["month"] == alerts["months"][-1] == "2025-12"
    for alert in alerts["items"]:
        assert {"measure", "group", "since", "observed", "expected", "chart"} <= set(alert)
    earlier = lake_client.get("/v1/monitor/alerts", params={"month": "2025-06"}).json()
    assert earlier["month"] == "2025-06"
    groups = lake_client.get("/v1/monitor/high-risk-groups", params={"limit": 10}).json()
    assert groups["month"] == "2025-12"
    ranks = [group["rank"] for group in groups["items"]]
    assert ranks == sorted(ranks)
    assert all(group["size"] >= groups["min_cell"] for group in groups["items"])
    assert all("master_id" not in group for group in groups["items"])
    _problem(
        lake_client.get("/v1/monitor/alerts", params={"month": "2025-13"}), 422, "invalid-input"
    )
