"""``/v1/benefits``: the public check, OpenFisca calculate and trace, and the variables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.benefits.test_check import EXAMPLE

from ilteo.api import create_app
from ilteo.benefits.check import check
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    home = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'id.db'}"})
    upgrade(home)
    with TestClient(create_app(home)) as test_client:
        yield test_client


def test_check_is_public_and_the_service_answer(client: TestClient) -> None:
    response = client.post("/v1/benefits/check", json=EXAMPLE)
    assert response.status_code == 200, response.text
    assert response.json() == check(EXAMPLE)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"as_of": "2026-03-02", "employment": {"separation_reason": "fired"}},
            "separation_reason",
        ),
        ({"as_of": "2026-03-02", "employment": {"wages_last_3_months_krw": -1}}, "wages"),
        ({"employment": {}}, "as_of"),
    ],
)
def test_bad_check_is_a_problem_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/benefits/check", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


def test_calculate_and_trace_in_the_openfisca_format(client: TestClient) -> None:
    situation = {
        "persons": {"p": {"age_at_separation": {"ETERNITY": 45}, "disabled": {"ETERNITY": None}}},
        "households": {"h": {"members": ["p"], "household_size": {"ETERNITY": None}}},
    }
    filled = client.post("/v1/benefits/calculate", json=situation)
    assert filled.status_code == 200, filled.text
    assert filled.json()["persons"]["p"]["disabled"]["ETERNITY"] is False
    assert filled.json()["households"]["h"]["household_size"]["ETERNITY"] == 1
    traced = client.post("/v1/benefits/trace", json=situation).json()
    assert "disabled<ETERNITY>" in traced["requestedCalculations"]
    assert traced["entitiesDescription"] == {"persons": ["p"], "households": ["h"]}
    unknown = client.post(
        "/v1/benefits/calculate", json={"persons": {"p": {"nope": {"2026": None}}}}
    )
    assert unknown.status_code == 422
    assert "nope" in unknown.text


def test_variables_list_labels_and_inputs(client: TestClient) -> None:
    rows = client.get("/v1/benefits/variables").json()["result"]
    by_id = {row["id"]: row for row in rows}
    assert by_id["separation_reason"]["input"] is True
    assert "이직 사유" in by_id["separation_reason"]["label"]
