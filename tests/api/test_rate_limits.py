"""Rate limits, daily quotas and usage per key on /v1, with an injected clock.

The per-minute window and the Asia/Seoul day are driven by ``app.state.rate_limiter.clock``, so
no test sleeps or measures time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import create_test_account, sign_in_client

from ilteo.api import create_app
from ilteo.api.ratelimit import RateLimiter, seconds_to_seoul_midnight
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.api_keys import create_api_key, usage_of
from ilteo.identity.models import AuditEntry

PROBLEM = "application/problem+json"
#: 2026-11-21 10:00:30 UTC = 19:00:30 in Seoul; the minute window resets in 30 seconds.
NOON = datetime(2026, 11, 21, 10, 0, 30, tzinfo=UTC).timestamp()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _key(
    settings: Settings,
    login: str = "dev",
    *,
    rate: int | None = None,
    daily: int | None = None,
    scopes: tuple[str, ...] | None = None,
) -> tuple[str, str]:
    """A citizen account's key: (key id, token)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login)
        made = create_api_key(
            session,
            account.id,
            name="k",
            secret_key=secret,
            rate_per_minute=rate,
            daily_quota=daily,
            scopes=scopes,
        )
        return made.key.id, made.token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def limited(db_settings: Settings) -> Settings:
    """Small limits on SQLite and PostgreSQL; usage written every 1000 requests (at shutdown)."""
    upgrade(db_settings)
    return db_settings.model_copy(
        update={
            "api_rate_per_minute": 5,
            "api_daily_quota": 1000,
            "api_anonymous_rate_per_minute": 3,
            "api_usage_flush_requests": 1000,
            "api_usage_flush_seconds": 3600.0,
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def client(limited: Settings, clock: FakeClock) -> Iterator[TestClient]:
    app = create_app(limited)
    limiter: RateLimiter = app.state.rate_limiter
    limiter.clock = clock
    with TestClient(app) as test_client:
        yield test_client


def test_every_v1_response_carries_ratelimit_headers(client: TestClient) -> None:
    response = client.get("/v1/identity/sign-in-report")
    assert response.status_code == 200
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "2"
    assert response.headers["RateLimit-Reset"] == "30"
    assert response.headers["RateLimit-Policy"] == "3;w=60"
    assert "X-Request-ID" in response.headers
    assert "RateLimit-Limit" not in client.get("/healthz").headers  # only /v1


def test_anonymous_callers_are_limited_per_address(
    client: TestClient, clock: FakeClock, limited: Settings
) -> None:
    for left in (2, 1, 0):
        assert client.get("/v1/identity/sign-in-report").headers["RateLimit-Remaining"] == str(left)
    refused = client.get("/v1/identity/sign-in-report")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"].endswith("/rate-limited")
    assert refused.headers["Retry-After"] == "30"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert "X-Request-ID" in refused.headers
    # another address has its own budget
    other = TestClient(client.app, client=("10.0.0.9", 1234))  # no second lifespan
    assert other.get("/v1/identity/sign-in-report").status_code == 200
    # the next minute starts afresh
    clock.now += 30
    again = client.get("/v1/identity/sign-in-report")
    assert again.status_code == 200
    assert again.headers["RateLimit-Remaining"] == "2"
    assert again.headers["RateLimit-Reset"] == "60"
    with session_scope(limited) as session:  # no audit entry per 429
        assert not session.scalars(select(AuditEntry).where(AuditEntry.event.like("%rate%"))).all()


def test_a_key_has_the_default_rate_and_its_own_budget(
    client: TestClient, limited: Settings
) -> None:
    _, token = _key(limited)
    for _ in range(5):
        ok = client.get("/v1/identity/me", headers=_bearer(token))
        assert ok.status_code == 200
    assert ok.headers["RateLimit-Limit"] == "5"
    assert ok.headers["RateLimit-Policy"] == "5;w=60, 1000;w=86400"
    refused = client.get("/v1/identity/me", headers=_bearer(token))
    assert refused.status_code == 429
    assert refused.json()["limit"] == 5
    assert refused.json()["retry_after"] == 30
    # anonymous callers from the same address are counted apart from the key
    assert client.get("/v1/identity/sign-in-report").status_code == 200


def test_a_key_can_carry_its_own_rate(client: TestClient, limited: Settings) -> None:
    _, token = _key(limited, rate=2)
    assert client.get("/v1/identity/me", headers=_bearer(token)).headers["RateLimit-Limit"] == "2"
    client.get("/v1/identity/me", headers=_bearer(token))
    assert client.get("/v1/identity/me", headers=_bearer(token)).status_code == 429


def test_daily_quota_runs_out_until_midnight_in_seoul(
    client: TestClient, clock: FakeClock, limited: Settings
) -> None:
    key_id, token = _key(limited, daily=3)
    seen = [client.get("/v1/identity/me", headers=_bearer(token)) for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 200]
    assert seen[-1].headers["RateLimit-Limit"] == "3"  # the daily quota is closer to exhaustion
    assert seen[-1].headers["RateLimit-Remaining"] == "0"
    clock.now += 120  # a new minute does not help
    refused = client.get("/v1/identity/me", headers=_bearer(token))
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("/quota-exceeded")
    to_midnight = seconds_to_seoul_midnight(clock.now)
    assert refused.headers["Retry-After"] == str(to_midnight)
    client.get("/v1/identity/me", headers=_bearer(token))
    clock.now += to_midnight  # midnight in Seoul: a new day, a new quota
    assert client.get("/v1/identity/me", headers=_bearer(token)).status_code == 200
    client.app.state.rate_limiter.usage.flush()
    with session_scope(limited) as session:
        usage = {(u.day, u.requests, u.rejected) for u in usage_of(session, [key_id], now=NEXT)}
        exhausted = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "api_key.quota_exhausted")
        ).all()
    assert usage == {(date(2026, 11, 21), 3, 2), (date(2026, 11, 22), 1, 0)}
    assert len(exhausted) == 1  # audited once per key and day, not per 429


NEXT = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def test_usage_is_written_at_shutdown_not_per_request(limited: Settings, clock: FakeClock) -> None:
    key_id, token = _key(limited)
    app = create_app(limited)
    app.state.rate_limiter.clock = clock
    with TestClient(app) as client:
        for _ in range(4):
            client.get("/v1/identity/me", headers=_bearer(token))
        with session_scope(limited) as session:
            assert usage_of(session, [key_id], now=NEXT) == []  # nothing written yet
    with session_scope(limited) as session:  # the lifespan's shutdown flushed it
        [today] = usage_of(session, [key_id], now=NEXT)
    assert (today.day, today.requests, today.rejected) == (date(2026, 11, 21), 4, 0)


def test_usage_is_flushed_every_n_requests_and_read_back_by_a_new_process(
    limited: Settings, clock: FakeClock
) -> None:
    settings = limited.model_copy(update={"api_usage_flush_requests": 2, "api_daily_quota": 5})
    key_id, token = _key(settings)
    first = create_app(settings)
    first.state.rate_limiter.clock = clock
    with TestClient(first) as client:
        for _ in range(2):
            client.get("/v1/identity/me", headers=_bearer(token))
        with session_scope(settings) as session:
            assert usage_of(session, [key_id], now=NEXT)[0].requests == 2  # flushed after 2
        client.get("/v1/identity/me", headers=_bearer(token))
    clock.now += 60
    second = create_app(settings)  # another process: starts from the stored count (3)
    second.state.rate_limiter.clock = clock
    with TestClient(second) as client:
        assert (
            client.get("/v1/identity/me", headers=_bearer(token)).headers["RateLimit-Remaining"]
            == "1"
        )
        client.get("/v1/identity/me", headers=_bearer(token))
        assert client.get("/v1/identity/me", headers=_bearer(token)).status_code == 429


def test_a_session_is_limited_per_account_without_a_daily_quota(
    client: TestClient, limited: Settings
) -> None:
    sign_in_client(client, limited, login="minji", roles=())
    response = client.get("/v1/identity/me")
    assert response.status_code == 200
    assert response.headers["RateLimit-Policy"] == "5;w=60"


def test_a_bad_key_is_a_401_problem_even_on_a_public_route(client: TestClient) -> None:
    response = client.get("/v1/identity/sign-in-report", headers=_bearer("ilteo_nope"))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/unauthorized")
    assert "invalid_token" in response.headers["WWW-Authenticate"]
