"""Cursor pagination: pages join up, ``next`` and ``Link`` agree, bad cursors are 422 problems."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client

from ilteo.api.pagination import decode_cursor, encode_cursor
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings

INVALID = "https://ilteo.kr/problems/invalid-input"


def _walk(client: TestClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Follow ``next`` from the first page to the last; check ``Link`` on the way."""
    items: list[dict[str, Any]] = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params["limit"]
        items += page["items"]
        if page["next"] is None:
            assert page["next_cursor"] is None
            assert 'rel="next"' not in response.headers.get("link", "")
            return items
        assert len(page["items"]) == params["limit"]
        assert f'<{page["next"]}>; rel="next"' in response.headers.get_list("link")
        assert f"cursor={page['next_cursor']}" in page["next"]
        response = client.get(page["next"])


def test_search_pages_join_up_to_the_full_answer(client: TestClient) -> None:
    whole = client.get("/v1/reference/occupations", params={"q": "engineer", "limit": 100})
    expected = whole.json()["items"]
    assert len(expected) > 15
    paged = _walk(client, "/v1/reference/occupations", {"q": "engineer", "limit": 7})
    assert paged == expected


def test_lake_lists_are_paged(client: TestClient, api_settings: Settings) -> None:
    sign_in_client(client, api_settings)
    whole = client.get("/v1/lake/sources", params={"limit": 500}).json()
    assert whole["next"] is None
    assert _walk(client, "/v1/lake/sources", {"limit": 3}) == whole["items"]
    catalog = client.get("/v1/lake/catalog").json()["items"]
    assert _walk(client, "/v1/lake/catalog", {"limit": 4}) == catalog


def test_datasets_are_paged(client: TestClient) -> None:
    whole = client.get("/v1/reference/datasets").json()
    pages = _walk(client, "/v1/reference/datasets", {"limit": 5})
    assert pages == whole["items"]
    assert len(pages) > 5


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_search_limit_is_bounded(client: TestClient, limit: object) -> None:
    response = client.get("/v1/reference/occupations", params={"q": "a", "limit": limit})
    assert response.status_code == 422
    assert response.json()["type"] == INVALID


def test_lake_limit_is_bounded_by_500(client: TestClient, api_settings: Settings) -> None:
    sign_in_client(client, api_settings)
    assert client.get("/v1/lake/sources", params={"limit": 500}).status_code == 200
    assert client.get("/v1/lake/sources", params={"limit": 501}).status_code == 422


def _first_cursor(client: TestClient) -> str:
    page = client.get("/v1/reference/occupations", params={"q": "engineer", "limit": 5}).json()
    cursor: str = page["next_cursor"]
    return cursor


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: _flip(c, 3),  # the payload
        lambda c: _flip(c, len(c) - 2),  # the signature
        lambda c: c.split(".")[0],  # no signature
        lambda c: "!!!" + c,  # not base64url
        lambda c: "e30.AAAA",  # "{}" with a made-up signature
    ],
    ids=["payload", "signature", "unsigned", "garbled", "forged"],
)
def test_a_tampered_or_garbled_cursor_is_a_422_problem(client: TestClient, mangle: Any) -> None:
    cursor = mangle(_first_cursor(client))
    response = client.get(
        "/v1/reference/occupations", params={"q": "engineer", "limit": 5, "cursor": cursor}
    )
    assert response.status_code == 422, cursor
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == INVALID
    assert response.json()["parameter"] == "cursor"


def test_a_cursor_is_bound_to_its_query(client: TestClient) -> None:
    cursor = _first_cursor(client)
    other = client.get(
        "/v1/reference/occupations", params={"q": "nurse", "limit": 5, "cursor": cursor}
    )
    assert other.status_code == 422
    same = client.get(
        "/v1/reference/occupations", params={"q": "engineer", "limit": 9, "cursor": cursor}
    )
    assert same.status_code == 200  # the page size may change between pages


def test_cursors_round_trip_and_need_the_key() -> None:
    cursor = encode_cursor(b"key-one", 40, "scope")
    assert decode_cursor(b"key-one", cursor, "scope") == 40
    with pytest.raises(InvalidInputError):
        decode_cursor(b"key-two", cursor, "scope")
    with pytest.raises(InvalidInputError):
        decode_cursor(b"key-one", cursor, "another")
