"""Live micro-batches over HTTP: accepted, counted, queryable at once; bad bodies are problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.lake.engine import connect

PROBLEM = "application/problem+json"


TOKEN = "test-ingest-token-0123456789"  # noqa: S105 - a test-only token


@pytest.fixture
def client(lake_settings: Settings) -> Iterator[TestClient]:
    settings = lake_settings.model_copy(update={"lake_ingest_token": SecretStr(TOKEN)})
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        sign_in_client(c, settings)  # the ledger reads are for data stewards
        yield c


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz"])
def test_only_source_systems_may_push_batches(
    client: TestClient, country: Path, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    client.headers.pop("Authorization")
    response = client.post(
        "/v1/lake/sources/job_seekers/batches",
        json={"records": _registrations(country, 3)},
        headers=headers,
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert client.get("/v1/lake/batches").json()["items"] == []


def test_live_ingestion_is_off_without_a_token(lake_settings: Settings, country: Path) -> None:
    with TestClient(create_app(lake_settings)) as c:
        response = c.post(
            "/v1/lake/sources/job_seekers/batches",
            json={"records": _registrations(country, 3)},
            headers={"Authorization": "Bearer anything"},
        )
    assert response.status_code == 503
    assert "ILTEO_LAKE_INGEST_TOKEN" in response.json()["detail"]


def _registrations(country: Path, n: int) -> list[dict[str, Any]]:
    frame = pl.read_ndjson(country / "job_seekers/registrations.jsonl", infer_schema_length=None)
    return frame.head(n).to_dicts()


def test_a_micro_batch_is_staged_counted_and_queryable(
    client: TestClient, country: Path, lake_settings: Settings
) -> None:
    records = _registrations(country, 1000)

    response = client.post("/v1/lake/sources/job_seekers/batches", json={"records": records})

    assert response.status_code == 201, response.text
    batch = response.json()
    assert batch["status"] == "done"
    assert batch["received_rows"] == 1000
    assert batch["accepted_rows"] + batch["quarantined_rows"] == 1000
    assert batch["origin"] == "api"
    with connect(lake_settings) as con:
        staged = con.execute(
            "SELECT count(*) FROM staged_job_seekers WHERE _batch_id = ?", [batch["id"]]
        ).fetchone()
    assert staged == (batch["accepted_rows"],)
    assert client.get(f"/v1/lake/batches/{batch['id']}").json()["accepted_rows"] == staged[0]
    listed = client.get("/v1/lake/batches", params={"source": "job_seekers"}).json()["items"]
    assert [b["id"] for b in listed] == [batch["id"]]

    again = client.post("/v1/lake/sources/job_seekers/batches", json={"records": records})
    assert again.status_code == 200
    assert again.json()["already_ingested"] is True
    assert again.json()["id"] == batch["id"]


def test_sources_are_listed_with_their_contracts(client: TestClient) -> None:
    sources = {s["id"]: s for s in client.get("/v1/lake/sources").json()["items"]}

    assert len(sources) == 10
    training = sources["kdt_enrolments"]
    assert (training["file_format"], training["encoding"]) == ("csv", "cp949")
    rrn = next(f for f in sources["ei_events"]["fields"] if f["name"] == "rrn")
    assert (rrn["personal"], rrn["code_system"], rrn["required"]) == ("rrn", "rrn", True)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"records": []}, "records"),
        ({"records": [{"registration_id": "x"}] * 10_001}, "records"),
        ({"records": [1, 2]}, "records"),
        ({"rows": [{"registration_id": "x"}]}, "records"),
        ({"records": [{"registration_id": "x", "nickname": "y"}]}, "nickname"),
    ],
)
def test_a_bad_body_is_a_422_problem(client: TestClient, body: Any, fragment: str) -> None:
    response = client.post("/v1/lake/sources/job_seekers/batches", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert fragment in response.json()["detail"]


def test_unknown_sources_and_batches_are_404_problems(client: TestClient) -> None:
    response = client.post("/v1/lake/sources/payroll/batches", json={"records": [{"a": 1}]})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "payroll" in response.json()["detail"]
    assert client.get("/v1/lake/batches/none-0000").status_code == 404
