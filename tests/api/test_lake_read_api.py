"""The read-only lake API for stewards: catalogue, DCAT, quality, quarantine, linkage, report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    create_quarantine_row,
    write_linkage_evaluation,
    write_small_lake,
)

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.lake.consistency import run_consistency

PROBLEM = "application/problem+json"
OPERATIONS = {
    ("get", "/v1/lake/catalog"): "list_lake_catalog",
    ("get", "/v1/lake/catalog.jsonld"): "get_lake_catalog_dcat",
    ("get", "/v1/lake/catalog/{dataset_id}"): "get_lake_dataset",
    ("get", "/v1/lake/quality"): "get_lake_quality",
    ("get", "/v1/lake/quality/alerts"): "list_lake_quality_alerts",
    ("get", "/v1/lake/quarantine"): "get_lake_quarantine_summary",
    ("get", "/v1/lake/linkage"): "list_lake_linkage_quality",
    ("get", "/v1/lake/report"): "get_lake_standardisation_report",
}


@pytest.fixture
def lake_client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as client:
        sign_in_client(client, api_settings)
        yield client


def test_operations_have_stable_ids(lake_client: TestClient) -> None:
    paths = lake_client.get("/v1/openapi.json").json()["paths"]
    found = {
        (method, path): op["operationId"]
        for path, item in paths.items()
        for method, op in item.items()
        if (method, path) in OPERATIONS
    }
    assert found == OPERATIONS


def test_empty_lake_answers_with_empty_results(lake_client: TestClient) -> None:
    catalog = lake_client.get("/v1/lake/catalog")
    assert catalog.status_code == 200
    assert catalog.json()["items"]
    assert not any(entry["present"] for entry in catalog.json()["items"])
    assert lake_client.get("/v1/lake/quality").json() == {"latest": [], "alerts": [], "series": []}
    assert lake_client.get("/v1/lake/quality/alerts").json()["items"] == []
    assert lake_client.get("/v1/lake/quarantine").json()["groups"] == []
    assert [s["available"] for s in lake_client.get("/v1/lake/linkage").json()["items"]] == [
        False,
        False,
    ]
    report = lake_client.get("/v1/lake/report").json()
    assert report["lake_empty"] is True
    assert report["needs"]


def test_catalog_layers_and_one_dataset(lake_client: TestClient) -> None:
    masters = lake_client.get("/v1/lake/catalog", params={"layer": "master"}).json()["items"]
    assert masters
    assert {e["layer"] for e in masters} == {"master"}
    entry = lake_client.get("/v1/lake/catalog/source.ei_events").json()
    assert entry["access_rights"] == "non-public"
    assert {c["name"]: c["personal"] for c in entry["columns"]}["rrn"] == "rrn"


def test_unknown_dataset_and_bad_layer_are_problems(lake_client: TestClient) -> None:
    missing = lake_client.get("/v1/lake/catalog/nope.nothing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["type"].endswith("/not-found")
    assert "nope.nothing" in missing.json()["detail"]
    bad = lake_client.get("/v1/lake/catalog", params={"layer": "gold"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM)
    source = lake_client.get("/v1/lake/quarantine", params={"source": "nope"})
    assert source.status_code == 404
    assert source.headers["content-type"].startswith(PROBLEM)
    dimension = lake_client.get("/v1/lake/quality", params={"dimension": "beauty"})
    assert dimension.status_code == 422


def test_dcat_is_json_ld(lake_client: TestClient) -> None:
    response = lake_client.get("/v1/lake/catalog.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert document["@type"] == "dcat:Catalog"
    assert "dcat" in document["@context"]
    dataset = next(
        d for d in document["dcat:dataset"] if d["dct:identifier"] == "curated.ei_events"
    )
    assert dataset["dcat:landingPage"]["@id"] == "http://testserver/lake/catalog#curated.ei_events"
    assert dataset["dcat:distribution"][0]["dcat:accessURL"]["@id"] == (
        "http://testserver/v1/lake/catalog/curated.ei_events"
    )


def test_quality_quarantine_linkage_and_report_with_data(
    api_settings: Settings, lake_client: TestClient
) -> None:
    batch = create_batch(api_settings, source="ei_events")
    create_quarantine_row(api_settings, batch.id)
    create_quality_score(api_settings, batch_id=batch.id, field="ksco_code", score=0.5)
    write_small_lake(api_settings)
    write_linkage_evaluation(api_settings)
    run_consistency(api_settings, now=NOW)

    quality = lake_client.get("/v1/lake/quality", params={"source": "ei_events"}).json()
    assert {s["dimension"] for s in quality["series"]} >= {"completeness", "consistency"}
    alerts = lake_client.get("/v1/lake/quality/alerts").json()["items"]
    assert {(a["source"], a["field"]) for a in alerts} >= {
        ("ei_events", "ksco_code"),
        ("ei_events", "workplace_ksic@workplaces"),
    }
    only = lake_client.get("/v1/lake/quality/alerts", params={"source": "accidents"}).json()[
        "items"
    ]
    assert {a["source"] for a in only} == {"accidents"}

    quarantine = lake_client.get("/v1/lake/quarantine").json()
    assert quarantine["open_rows"] == 1
    assert quarantine["groups"][0]["examples"] == ["900101-1******"]

    person = lake_client.get("/v1/lake/linkage").json()["items"][0]
    assert person["available"] is True
    overall = {m["method"]: m for m in person["metrics"] if m["slice"] == "all"}
    assert overall["model"]["recall"] == 0.972
    assert overall["baseline"]["recall"] == 0.61

    report = lake_client.get("/v1/lake/report").json()
    assert report["lake_empty"] is False
    ksic = next(n for n in report["needs"] if n["id"] == "workplace_industry")
    assert ksic["code_system"] == "ksic11"
