"""The ``/v1/reference`` endpoints: searches, details, datasets, and their problem+json errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
NOT_FOUND = "https://ilteo.kr/problems/not-found"
INVALID = "https://ilteo.kr/problems/invalid-input"


def assert_problem(response: Any, status: int, type_: str) -> dict[str, object]:
    """The response is a problem+json document with a stable type and a Korean/English title."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    assert body["type"] == type_
    assert body["status"] == status
    assert body["title"] == f"{body['title_ko']} / {body['title_en']}"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in str(body["title_ko"]))  # Hangul
    assert str(body["title_en"]).isascii()
    return body


def test_search_occupations_finds_korean_software_developers(client: TestClient) -> None:
    response = client.get("/v1/reference/occupations", params={"q": "소프트웨어"})
    assert response.status_code == 200
    hits = response.json()["items"]
    assert any(h["system"] == "ksco8" and h["code"] == "2222" for h in hits)


def test_search_occupations_in_one_system_and_limit(client: TestClient) -> None:
    response = client.get(
        "/v1/reference/occupations", params={"q": "software", "system": "onet", "limit": 3}
    )
    assert response.status_code == 200
    hits = response.json()["items"]
    assert 1 <= len(hits) <= 3
    assert {h["system"] for h in hits} == {"onet"}


@pytest.mark.parametrize(
    "params",
    [
        {"q": "software", "limit": 0},
        {"q": "software", "limit": 101},
        {"q": ""},
        {"q": "x" * 101},
        {"q": "software", "system": "nope"},
        {},
    ],
    ids=["limit-0", "limit-101", "empty-q", "long-q", "bad-system", "no-q"],
)
def test_search_occupations_rejects_bad_input(
    client: TestClient, params: dict[str, str | int]
) -> None:
    body = assert_problem(client.get("/v1/reference/occupations", params=params), 422, INVALID)
    assert body["errors"]


def test_blank_query_is_invalid_input_from_the_room(client: TestClient) -> None:
    assert_problem(client.get("/v1/reference/occupations", params={"q": "   "}), 422, INVALID)


def test_get_occupation_has_hierarchy_links_and_caveated_exposures(client: TestClient) -> None:
    response = client.get("/v1/reference/occupations/onet/15-1252.00")
    assert response.status_code == 200
    detail = response.json()
    assert detail["code"] == "15-1252.00"
    assert detail["name_en"] == "Software Developers"
    assert any(link["system"] == "isco08" for link in detail["links"])
    assert detail["exposures"]
    for score in detail["exposures"]:
        assert score["version"]
        assert score["dataset"]
        assert "not a probability of job loss" in score["caveat"]


def test_get_ksco_occupation_has_parents_top_down(client: TestClient) -> None:
    detail = client.get("/v1/reference/occupations/ksco8/2222").json()
    assert [p["code"] for p in detail["parents"]] == ["2", "22", "222"]
    assert detail["name_ko"] == "시스템 소프트웨어 개발자"


def test_unknown_occupation_is_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/reference/occupations/ksco8/99999"), 404, NOT_FOUND)
    assert body["title_ko"] == "찾을 수 없습니다"
    assert body["instance"] == "/v1/reference/occupations/ksco8/99999"
    assert body["system"] == "ksco8"  # the error's context, beside the standard members


def test_unknown_system_is_422_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/reference/occupations/ksco9/2222"), 422, INVALID)


def test_search_and_get_industry(client: TestClient) -> None:
    hits = client.get("/v1/reference/industries", params={"q": "소프트웨어"}).json()["items"]
    assert hits
    assert all(h["revision"] == "11" for h in hits)
    code = hits[0]["code"]
    detail = client.get(f"/v1/reference/industries/11/{code}").json()
    assert detail["code"] == code
    assert detail["parents"][0]["level"] == "section"


def test_ksic10_search(client: TestClient) -> None:
    response = client.get("/v1/reference/industries", params={"q": "58221", "revision": "10"})
    assert response.status_code == 200
    assert {h["revision"] for h in response.json()["items"]} <= {"10"}


def test_industry_errors(client: TestClient) -> None:
    assert_problem(client.get("/v1/reference/industries/11/00000"), 404, NOT_FOUND)
    assert_problem(client.get("/v1/reference/industries/12/58221"), 422, INVALID)
    assert_problem(
        client.get("/v1/reference/industries", params={"q": "x", "revision": "9"}), 422, INVALID
    )


def test_datasets_report_status(client: TestClient) -> None:
    response = client.get("/v1/reference/datasets")
    assert response.status_code == 200
    by_id = {d["id"]: d for d in response.json()["items"]}
    assert by_id["ksco8"]["present"] is True
    assert all(d["version"] and d["licence"] for d in by_id.values())


def test_unknown_api_path_is_404_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/nowhere"), 404, NOT_FOUND)


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    response = client.get("/v1/reference/datasets", headers={"X-Request-ID": "test-rid-1"})
    assert response.headers["X-Request-ID"] == "test-rid-1"
    made = client.get("/v1/reference/occupations/ksco8/99999").headers["X-Request-ID"]
    assert len(made) == 32


def test_operation_ids_are_stable(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    ids = {op["operationId"] for item in paths.values() for op in item.values()}
    assert {
        "search_occupations",
        "get_occupation",
        "search_industries",
        "get_industry",
        "list_datasets",
    } <= ids
