"""Real-user timing beacons: stored with the server's menu and time, bad ones refused and counted.

On SQLite and PostgreSQL (``db_settings``), through the whole app (``create_app``).
"""

from __future__ import annotations

import collections
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.status.models import Counter, Rollup, RumTiming
from ilteo.status.rum import MAX_BODY, flush_now, validate

PAGE = "/reference/occupations/ksco8/2222"
GOOD: dict[str, Any] = {
    "page": PAGE,
    "navigation": "navigate",
    "ttfb": 12.4,
    "fcp": 80,
    "dcl": 95,
    "load": 130,
}


@pytest.fixture
def app(db_settings: Settings) -> FastAPI:
    upgrade(db_settings)
    return create_app(db_settings)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def _send(client: TestClient, body: Any, content_type: str = "text/plain;charset=UTF-8") -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/status/beacon", content=data, headers={"Content-Type": content_type})


def _rows(settings: Settings) -> list[RumTiming]:
    with session_scope(settings) as session:
        return list(session.scalars(select(RumTiming).order_by(RumTiming.id)))


def _counts(settings: Settings) -> dict[str, int]:
    with session_scope(settings) as session:
        return {c.name: c.count for c in session.scalars(select(Counter))}


def _rollups(settings: Settings) -> list[Rollup]:
    with session_scope(settings) as session:
        return list(session.scalars(select(Rollup).where(Rollup.kind == "rum")))


def test_a_valid_beacon_is_stored_with_the_servers_menu_and_time(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    before = utcnow()
    answer = _send(client, GOOD)
    assert answer.status_code == 204, answer.text
    answer = _send(client, {**GOOD, "page": "/", "fcp": None}, "application/json")
    assert answer.status_code == 204, answer.text
    after = utcnow()
    assert _rows(db_settings) == []  # batched: nothing written per beacon
    assert flush_now(app) == 2
    detail, home = _rows(db_settings)
    assert (detail.menu, detail.route, detail.navigation) == (
        "reference-detail",
        "/reference/occupations/{system}/{code}",
        "navigate",
    )
    assert (detail.ttfb_ms, detail.fcp_ms, detail.dcl_ms, detail.load_ms) == (12.4, 80, 95, 130)
    assert (home.menu, home.route, home.fcp_ms) == ("home", "/", None)
    for row in (detail, home):
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=before.tzinfo)
        assert before - timedelta(seconds=1) <= at <= after + timedelta(seconds=1)
        assert len(row.client) == 16
        assert "testclient" not in row.client
    rollups = {(r.menu, r.grain): r for r in _rollups(db_settings)}
    assert set(rollups) == {
        ("reference-detail", "hour"),
        ("reference-detail", "day"),
        ("home", "hour"),
        ("home", "day"),
    }
    hour = rollups[("reference-detail", "hour")]
    assert (hour.requests, hour.failures, hour.timeouts, hour.sum_ms) == (1, 0, 0, 130)
    assert _counts(db_settings)["beacon.accepted"] == 2
    assert flush_now(app) == 0  # nothing left


def test_beacons_never_count_as_failures_even_when_slow(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    slow = {**GOOD, "ttfb": 100_000, "fcp": 110_000, "dcl": 115_000, "load": 120_000}
    assert _send(client, slow).status_code == 204
    flush_now(app)
    assert {(r.failures, r.timeouts) for r in _rollups(db_settings)} == {(0, 0)}


#: ``(body, content type, status, reason)`` of each kind of bad beacon.
BAD: list[tuple[Any, str, int, str]] = [
    (b"x" * (MAX_BODY + 1), "text/plain", 413, "too_large"),
    (json.dumps({**GOOD, "pad": "x" * MAX_BODY}), "text/plain", 413, "too_large"),
    (b"not json {", "text/plain", 400, "malformed"),
    (b"\xff\xfe", "text/plain", 400, "malformed"),
    (
        b'{"page": "/", "navigation": "navigate", "ttfb": NaN, "dcl": 1, "load": 2}',
        "text/plain",
        400,
        "malformed",
    ),
    (json.dumps(GOOD), "application/x-www-form-urlencoded", 415, "media_type"),
    (json.dumps([GOOD]), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "load": "130"}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "load": True}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "page": 5}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "navigation": "teleport"}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "load": 120_001}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "ttfb": -1}), "text/plain", 422, "invalid"),
    (
        b'{"page": "/", "navigation": "navigate", "ttfb": 1, "dcl": 2, "load": 1e999}',
        "text/plain",
        422,
        "invalid",
    ),
    (json.dumps({**GOOD, "dcl": 200}), "text/plain", 422, "invalid"),  # dcl > load
    (json.dumps({**GOOD, "ttfb": 100, "dcl": 90}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "fcp": 131}), "text/plain", 422, "invalid"),  # fcp > load
    (json.dumps({k: v for k, v in GOOD.items() if k != "dcl"}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "user": "kim"}), "text/plain", 422, "invalid"),  # unknown field
    (json.dumps({**GOOD, "menu": "home"}), "text/plain", 422, "invalid"),  # a forged menu
    (json.dumps({**GOOD, "page": "/" + "a" * 300}), "text/plain", 422, "invalid"),
    (json.dumps({**GOOD, "page": "/no/such/page"}), "text/plain", 422, "unknown_page"),
    (json.dumps({**GOOD, "page": "/v1/reference/datasets"}), "text/plain", 422, "unknown_page"),
    (json.dumps({**GOOD, "page": "/static/rum.js"}), "text/plain", 422, "unknown_page"),
    (json.dumps({**GOOD, "page": "/status/beacon"}), "text/plain", 422, "unknown_page"),
    (json.dumps({**GOOD, "page": "/healthz"}), "text/plain", 422, "unknown_page"),  # JSON
    (json.dumps({**GOOD, "page": "/%761/docs"}), "text/plain", 422, "unknown_page"),
]


def test_bad_beacons_are_refused_and_counted(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    for body, content_type, status, reason in BAD:
        answer = _send(client, body, content_type)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["reason"] == reason, body
    flush_now(app)
    assert _rows(db_settings) == []
    assert _rollups(db_settings) == []
    expected = collections.Counter(f"beacon.refused.{reason}" for *_, reason in BAD)
    assert _counts(db_settings) == dict(expected)


def test_a_declared_length_over_the_cap_is_refused_without_reading(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    answer = client.post(
        "/status/beacon",
        content=b"{}",
        headers={"Content-Type": "text/plain", "Content-Length": str(MAX_BODY + 1)},
    )
    assert answer.status_code == 413
    flush_now(app)
    assert _counts(db_settings) == {"beacon.refused.too_large": 1}


def test_query_strings_and_fragments_are_not_kept(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    page = PAGE + "?email=kim%40example.kr&lang=en#top"
    assert _send(client, {**GOOD, "page": page}).status_code == 204
    flush_now(app)
    (row,) = _rows(db_settings)
    assert row.route == "/reference/occupations/{system}/{code}"
    with session_scope(db_settings) as session:
        stored = json.dumps(
            [list(r) for r in session.execute(select(RumTiming.__table__))], default=str
        )
    assert "kim" not in stored
    assert "email" not in stored
    assert "lang" not in stored


def test_counts_are_batched_by_reason(
    app: FastAPI, client: TestClient, db_settings: Settings
) -> None:
    for _ in range(3):
        _send(client, b"nope")
    _send(client, {**GOOD, "menu": "home"})
    _send(client, GOOD)
    assert _counts(db_settings) == {}  # nothing written per beacon
    flush_now(app)
    assert _counts(db_settings) == {
        "beacon.refused.malformed": 3,
        "beacon.refused.invalid": 1,
        "beacon.accepted": 1,
    }


def test_rate_limited_after_the_limit_per_minute(db_settings: Settings) -> None:
    upgrade(db_settings)
    settings = db_settings.model_copy(update={"status_beacon_per_minute": 3})
    app = create_app(settings)
    now = [1_000_020.0]  # the limiter's server clock, 40 s before a minute ends
    app.state.rum.clock = lambda: now[0]
    client = TestClient(app)
    answers = [_send(client, GOOD).status_code for _ in range(5)]
    assert answers == [204, 204, 204, 429, 429]
    refused = _send(client, GOOD)
    assert refused.json()["reason"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = TestClient(app, client=("203.0.113.9", 50000))  # another client has its own count
    assert _send(other, GOOD).status_code == 204
    now[0] += 60  # the next minute
    assert _send(client, GOOD).status_code == 204
    flush_now(app)
    assert len(_rows(settings)) == 5
    counts = _counts(settings)
    assert counts["beacon.refused.rate_limited"] == 3
    assert counts["beacon.accepted"] == 5


@pytest.mark.parametrize("field", ["at", "time", "timestamp", "sentAt", "timeOrigin"])
def test_no_client_time_is_accepted(
    app: FastAPI, client: TestClient, db_settings: Settings, field: str
) -> None:
    skewed = (utcnow() + timedelta(days=400)).timestamp() * 1000
    answer = _send(client, {**GOOD, field: skewed})
    assert answer.status_code == 422
    assert _send(client, GOOD).status_code == 204
    flush_now(app)
    (row,) = _rows(db_settings)
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=utcnow().tzinfo)
    assert abs(at - utcnow()) < timedelta(minutes=5)  # filed under the server's time


def test_buffered_beacons_are_written_at_shutdown(app: FastAPI, db_settings: Settings) -> None:
    with TestClient(app) as client:
        assert _send(client, GOOD).status_code == 204
        _send(client, b"nope")
    assert len(_rows(db_settings)) == 1
    assert _counts(db_settings)["beacon.refused.malformed"] == 1


def test_the_beacon_is_not_in_the_open_api(app: FastAPI) -> None:
    assert all("beacon" not in path for path in app.openapi()["paths"])


def test_validate_strips_the_query_and_keeps_the_numbers() -> None:
    page, navigation, ttfb, fcp, dcl, load = validate({**GOOD, "page": "/reference?q=간호사"})
    assert (page, navigation, ttfb, fcp, dcl, load) == ("/reference", "navigate", 12.4, 80, 95, 130)


def test_the_page_script_is_on_every_page(client: TestClient) -> None:
    for path in ("/", "/reference", "/sign-in"):
        assert '<script src="/static/rum.js" defer></script>' in client.get(path).text
    script = client.get("/static/rum.js")
    assert script.status_code == 200
    assert "sendBeacon" in script.text
    assert "doNotTrack" in script.text
