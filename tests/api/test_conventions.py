"""The Open API's conventions, checked over every ``/v1`` operation of the real app.

Walks the app's own OpenAPI document and routes (not a hand list), so a new endpoint that breaks a
convention fails here: the ``/v1`` prefix, problem+json errors with stable types, request ids,
ISO 8601 dates, pagination of lists, unknown query parameters and body fields refused, body size
and media type limits, ``ETag``/``If-None-Match``, licence and attribution, deprecation headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr
from tests.identity.factories import sign_in_client
from tests.lake.steward_factories import (
    create_batch,
    create_quality_score,
    write_linkage_evaluation,
    write_small_lake,
)

from ilteo.api import create_app
from ilteo.api.conventions import DEFAULT_BODY_LIMIT, Deprecation, query_names
from ilteo.core.settings import Settings

PROBLEM = "application/problem+json"
BASE = "https://ilteo.kr/problems/"
#: Outside /v1 by design: the liveness probe load balancers call.
UNVERSIONED = {"/healthz"}
#: Personal GETs that answer 404 to an account not linked to the lake (the administrator here).
LINKED_ONLY = {
    "/v1/pathways/me",
    "/v1/benefits/notices",
    "/v1/benefits/applications",
    "/v1/benefits/consents",
}
#: 503 until `ilteo safety train` and `score` have run (tests/safety/test_api.py covers them,
#: ISO times with offsets included).
NEEDS_SCORES = {"/v1/safety/workplaces", "/v1/safety/targets"}
#: Parameters a pathways endpoint needs to answer 200 (a plan, courses for one named gap).
PATHWAYS_PARAMS: dict[str, dict[str, str | int]] = {
    "/v1/pathways/recommendations": {"occupation": "2222", "courses": 1},
    "/v1/pathways/courses": {"skills": "Programming"},
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_LOOKS_TEMPORAL = re.compile(r"^\d{4}-\d{2}-\d{2}")


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """A problem+json with a stable type, Korean/English titles and the request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == BASE + code
    assert body["status"] == status
    assert body["title"] == f"{body['title_ko']} / {body['title_en']}"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body["title_ko"])
    assert body["title_en"].isascii()
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert len(response.headers.get_list("X-Request-ID")) == 1  # the route's and the echo: one
    assert "Traceback" not in response.text
    return body


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    """The whole app, with the source-system token set."""
    settings = api_settings.model_copy(update={"lake_ingest_token": SecretStr("t" * 32)})
    return create_app(settings)


@pytest.fixture
def admin(app: FastAPI, api_settings: Settings) -> Iterator[TestClient]:
    """A client signed in as an administrator and data steward (every read is allowed)."""
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in_client(client, api_settings, login="admin", roles=("data_steward", "administrator"))
        yield client


def _operations(client: TestClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/v1/openapi.json").json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            yield method, path, operation


def test_every_api_operation_is_under_v1(admin: TestClient) -> None:
    outside = [p for _, p, _ in _operations(admin) if not p.startswith("/v1/")]
    assert set(outside) <= UNVERSIONED


def test_every_operation_declares_its_problem_responses(admin: TestClient) -> None:
    missing = []
    for method, path, operation in _operations(admin):
        if not path.startswith("/v1/"):
            continue
        expected = {"422", "429", "500"}
        expected |= {"404"} if "{" in path else set()
        expected |= {"400", "413", "415"} if "requestBody" in operation else set()
        for status in expected:
            content = operation["responses"].get(status, {}).get("content", {})
            if content.get(PROBLEM, {}).get("schema") != {"$ref": "#/components/schemas/Problem"}:
                missing.append(f"{method.upper()} {path} {status}")
    assert missing == []


def test_every_list_is_a_cursor_page(admin: TestClient) -> None:
    document = admin.get("/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    wrong = []
    for method, path, operation in _operations(admin):
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if not path.startswith("/v1/") or method != "get":
            continue
        params = {p["name"] for p in operation.get("parameters", [])}
        if schema.get("type") == "array":
            wrong.append(f"{path}: a bare array")
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        properties = schemas.get(name, {}).get("properties", {})
        if "items" in properties and {"next", "next_cursor"} - properties.keys():
            wrong.append(f"{path}: items without next/next_cursor")
        if "next_cursor" in properties and not {"limit", "cursor"} <= params:
            wrong.append(f"{path}: a page without limit and cursor")
    assert wrong == []


def test_every_request_body_refuses_unknown_fields(admin: TestClient) -> None:
    schemas = admin.get("/v1/openapi.json").json()["components"]["schemas"]
    open_bodies = []
    for method, path, operation in _operations(admin):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        name = body["schema"]["$ref"].rsplit("/", 1)[-1]
        if schemas[name].get("additionalProperties") is not False:
            open_bodies.append(f"{method.upper()} {path}")
    assert open_bodies == []


def test_unknown_query_parameters_are_refused_everywhere(app: FastAPI, admin: TestClient) -> None:
    routes = [r for r in iter_route_contexts(app.routes) if r.path.startswith("/v1/")]
    checked = 0
    for route in routes:
        if not isinstance(route.original_route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        response = admin.get(path, params={"zz_unknown": "1"})
        body = assert_problem(response, 422, "invalid-input")
        assert body["unknown"] == ["zz_unknown"], route.path
        checked += 1
    assert checked >= 15


def test_declared_query_parameters_are_known(app: FastAPI) -> None:
    route = next(
        r.original_route
        for r in iter_route_contexts(app.routes)
        if r.path == "/v1/reference/occupations" and isinstance(r.original_route, APIRoute)
    )
    assert {"q", "system", "limit", "cursor"} <= query_names(route.dependant)


def _temporal_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str) and _LOOKS_TEMPORAL.match(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _temporal_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _temporal_strings(item)


def test_every_date_and_datetime_is_iso_8601_with_an_offset(
    app: FastAPI, admin: TestClient, api_settings: Settings
) -> None:
    batch = create_batch(api_settings, source="ei_events")
    create_quality_score(api_settings, batch_id=batch.id, field="ksco_code", score=0.5)
    write_small_lake(api_settings)
    write_linkage_evaluation(api_settings)
    seen: list[str] = []
    for route in iter_route_contexts(app.routes):
        if not route.path.startswith("/v1/") or "{" in route.path:
            continue
        if "GET" not in (route.methods or ()) or route.path.endswith(".jsonld"):
            continue
        if route.path in LINKED_ONLY or route.path in NEEDS_SCORES:
            continue  # 404 for an account not linked to the lake (test_pathways_api.py,
            # test_benefits_notices_api.py)
        params = {"q": "software"} if route.path.endswith(("occupations", "industries")) else {}
        params = PATHWAYS_PARAMS.get(route.path, params)
        response = admin.get(route.path, params=params)
        assert response.status_code == 200, (route.path, response.text)
        if route.path.endswith("openapi.json") or "json" not in response.headers["content-type"]:
            continue
        seen += _temporal_strings(response.json())
    seen += _temporal_strings(admin.get(f"/v1/lake/batches/{batch.id}").json())
    assert any(_DATETIME.match(s) for s in seen)  # the walk met datetimes
    bad = [s for s in seen if not (_DATE.match(s) or _DATETIME.match(s))]
    assert bad == []


@pytest.mark.parametrize(
    ("header", "echoed"),
    [
        ("client-42.a:b_c", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("has space", False),
        ("<script>", False),
        ("한글".encode(), False),
    ],
)
def test_request_ids_are_echoed_only_when_safe(
    admin: TestClient, header: str | bytes, echoed: bool
) -> None:
    response = admin.get(
        "/v1/reference/occupations/ksco8/99999",
        headers={"X-Request-ID": header},
    )
    rid = response.headers["X-Request-ID"]
    assert (rid == header) is echoed
    if not echoed:
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert assert_problem(response, 404, "not-found")["request_id"] == rid


def test_errors_are_problems(admin: TestClient) -> None:
    assert_problem(admin.get("/v1/nowhere"), 404, "not-found")
    assert_problem(admin.post("/v1/reference/datasets"), 405, "method-not-allowed")
    assert_problem(
        admin.get("/v1/reference/occupations", params={"q": "a", "limit": "x"}),
        422,
        "invalid-input",
    )


BATCHES = "/v1/lake/sources/job_seekers/batches"
TOKEN = {"Authorization": "Bearer " + "t" * 32}


def test_bad_bodies_are_precise_problems(admin: TestClient) -> None:
    headers = {**TOKEN, "Content-Type": "application/json"}
    body = assert_problem(
        admin.post(BATCHES, content=b'{"records": [', headers=headers), 400, "malformed-json"
    )
    assert "JSON" in body["detail"]
    plain = {**TOKEN, "Content-Type": "text/plain"}
    assert_problem(
        admin.post(BATCHES, content=b"records", headers=plain), 415, "unsupported-media-type"
    )
    unknown = admin.post(BATCHES, json={"records": [{"a": 1}], "extra": 1}, headers=TOKEN)
    assert "extra" in assert_problem(unknown, 422, "invalid-input")["detail"]
    wrong = admin.post(BATCHES, json={"records": "many"}, headers=TOKEN)
    assert_problem(wrong, 422, "invalid-input")


class Echo(BaseModel):
    """A test-only body."""

    text: str


def _with_test_routes(app: FastAPI) -> FastAPI:
    @app.post("/v1/test-only/echo")
    def echo(body: Echo) -> Echo:
        return body

    @app.get("/v1/test-only/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


def test_bodies_over_the_limit_are_413(app: FastAPI, api_settings: Settings) -> None:
    with TestClient(_with_test_routes(app)) as client:
        big = b'{"text": "' + b"x" * DEFAULT_BODY_LIMIT + b'"}'
        declared = client.post(
            "/v1/test-only/echo", content=big, headers={"Content-Type": "application/json"}
        )
        assert_problem(declared, 413, "payload-too-large")

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "'
            for _ in range(DEFAULT_BODY_LIMIT // 65536 + 1):
                yield b"x" * 65536
            yield b'"}'

        streamed = client.post(
            "/v1/test-only/echo", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert "content-length" not in {k.lower() for k in streamed.request.headers}
        assert_problem(streamed, 413, "payload-too-large")
        small = client.post("/v1/test-only/echo", json={"text": "hi"})
        assert small.json() == {"text": "hi"}


def test_the_lake_batch_takes_more_than_the_default_limit(admin: TestClient) -> None:
    records = [{"registration_id": "x" * 200}] * (DEFAULT_BODY_LIMIT // 200 + 10)
    response = admin.post(BATCHES, json={"records": records[:10_000]}, headers=TOKEN)
    assert response.status_code != 413, response.text


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(app: FastAPI) -> None:
    with TestClient(_with_test_routes(app), raise_server_exceptions=False) as client:
        response = client.get("/v1/test-only/boom", headers={"X-Request-ID": "boom-1"})
    body = assert_problem(response, 500, "internal-error")
    assert body["request_id"] == "boom-1"
    assert "secret internals" not in response.text


def test_reference_reads_have_etags_and_answer_304(admin: TestClient) -> None:
    for path, params in [
        ("/v1/reference/occupations/onet/15-1252.00", {}),
        ("/v1/reference/industries/11/58221", {}),
        ("/v1/reference/occupations", {"q": "software"}),
        ("/v1/reference/industries", {"q": "소프트웨어"}),
    ]:
        first = admin.get(path, params=params)
        assert first.status_code == 200, first.text
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        again = admin.get(path, params=params, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["ETag"] == etag
        stale = admin.get(path, params=params, headers={"If-None-Match": 'W/"other"'})
        assert stale.status_code == 200
    other = admin.get("/v1/reference/occupations", params={"q": "nurse"}).headers["ETag"]
    assert other != admin.get("/v1/reference/occupations", params={"q": "software"}).headers["ETag"]


def test_reference_answers_carry_licence_links_and_attribution(admin: TestClient) -> None:
    response = admin.get("/v1/reference/occupations/onet/15-1252.00")
    links = response.headers.get_list("link")
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"; title="onet"' in links
    credits = {a["dataset"]: a for a in response.json()["attribution"]}
    assert "O*NET" in credits["onet"]["citation"]
    assert set(credits) >= {"ksco8", "onet"} | {e["dataset"] for e in response.json()["exposures"]}
    industries = admin.get("/v1/reference/industries", params={"q": "소프트웨어"})
    assert [a["dataset"] for a in industries.json()["attribution"]] == ["ksic"]
    assert any(
        'rel="license"; title="ksic"' in link for link in industries.headers.get_list("link")
    )


def test_deprecated_fields_get_headers_and_are_marked(app: FastAPI) -> None:
    class Old(BaseModel):
        name: str
        title: str

    @app.get("/v1/test-only/old", response_model=Old)
    def old() -> Old:
        return Old(name="n", title="n")

    app.state.deprecations.append(
        Deprecation(
            "GET",
            "/v1/test-only/old",
            "title",
            date(2026, 1, 1),
            date(2027, 6, 30),
            "https://ilteo.kr/docs/api#deprecations",
        )
    )
    with TestClient(app) as client:
        response = client.get("/v1/test-only/old")
        plain = client.get("/v1/reference/datasets")
        schema = client.get("/v1/openapi.json").json()
    assert response.headers["Deprecation"] == "@1767225600"
    sunset = parsedate_to_datetime(response.headers["Sunset"])
    assert sunset.date() == date(2027, 6, 30)
    assert '<https://ilteo.kr/docs/api#deprecations>; rel="deprecation"' in response.headers["Link"]
    assert "Deprecation" not in plain.headers
    assert schema["components"]["schemas"]["Old"]["properties"]["title"]["deprecated"] is True
    assert "deprecated" not in schema["components"]["schemas"]["Old"]["properties"]["name"]
