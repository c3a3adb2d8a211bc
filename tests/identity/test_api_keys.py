"""Personal API keys: the domain on SQLite and PostgreSQL, and the /account/api-keys pages."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import T0, create_test_account, sign_in_client

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import DEV_SECRET_KEY, Settings
from ilteo.identity.accounts import utcnow
from ilteo.identity.api_keys import (
    MAX_LIFETIME,
    SECRET_BYTES,
    BearerCache,
    create_api_key,
    list_api_keys,
    parse_api_key,
    resolve_api_key,
    resolve_bearer,
    revoke_api_key,
)
from ilteo.identity.apikey_models import ApiKey
from ilteo.identity.models import AccountRole, AuditEntry

KEY = DEV_SECRET_KEY


def _refusals(settings: Settings) -> list[dict[str, object]]:
    with session_scope(settings) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "api_key.refused").order_by(AuditEntry.id)
        )
        return [dict(row.detail) for row in rows]


def _audit_text(settings: Settings) -> str:
    with session_scope(settings) as session:
        return " ".join(str(row.detail) for row in session.scalars(select(AuditEntry)))


@pytest.fixture
def store_db(db_settings: Settings) -> Settings:
    upgrade(db_settings)
    return db_settings


@pytest.fixture
def issued(store_db: Settings) -> tuple[str, str]:
    """A steward's account id and a fresh key made at T0."""
    with session_scope(store_db) as session:
        account, _ = create_test_account(session, login="steward", roles=("data_steward",))
        made = create_api_key(session, account.id, name="laptop", secret_key=KEY, now=T0)
        return account.id, made.token


def test_a_key_is_shown_once_and_stored_as_a_digest(store_db: Settings) -> None:
    with session_scope(store_db) as session:
        account, _ = create_test_account(session)
        made = create_api_key(session, account.id, name="  my laptop ", secret_key=KEY, now=T0)
    public_id, secret = parse_api_key(made.token) or ("", "")
    assert made.token.startswith("ilteo_")
    assert public_id == made.key.id
    assert len(secret) >= (SECRET_BYTES * 4) // 3  # 32 random bytes, base64url
    assert made.key.name == "my laptop"
    assert made.key.expires_at - made.key.created_at == timedelta(days=365)
    assert made.token.startswith(made.key.prefix)
    assert len(made.key.prefix) < len(made.token) - 30
    with session_scope(store_db) as session:
        row = session.get(ApiKey, public_id)
        assert row is not None
        assert secret not in row.digest
        assert made.token not in row.digest
        assert row.scopes == ["reference:read", "identity:read"]  # a citizen's default
        listed = list_api_keys(session, account.id)
    assert [k.id for k in listed] == [public_id]
    assert secret not in _audit_text(store_db)


def test_names_and_lifetimes_are_checked(store_db: Settings) -> None:
    with session_scope(store_db) as session:
        account, _ = create_test_account(session)
        with pytest.raises(InvalidInputError):
            create_api_key(session, account.id, name="  ", secret_key=KEY)
        with pytest.raises(InvalidInputError):
            create_api_key(session, account.id, name="x" * 81, secret_key=KEY)
        with pytest.raises(InvalidInputError):
            create_api_key(session, account.id, name="x", secret_key=KEY, lifetime=MAX_LIFETIME * 2)
        two_years = create_api_key(
            session, account.id, name="x", secret_key=KEY, lifetime=MAX_LIFETIME
        )
        assert two_years.key.expires_at - two_years.key.created_at == timedelta(days=730)


def test_a_key_resolves_to_its_account_and_touches_last_used(
    store_db: Settings, issued: tuple[str, str]
) -> None:
    account_id, token = issued
    with session_scope(store_db) as session:
        found = resolve_api_key(session, token, secret_key=KEY, now=T0 + timedelta(seconds=5))
        assert found is not None
        assert found.id == account_id
    with session_scope(store_db) as session:
        # Within a minute the timestamp stays (no write per request) ...
        resolve_api_key(session, token, secret_key=KEY, now=T0 + timedelta(seconds=30))
        (key,) = list_api_keys(session, account_id)
        assert key.last_used_at == T0 + timedelta(seconds=5)
        # ... after a minute it moves.
        resolve_api_key(session, token, secret_key=KEY, now=T0 + timedelta(minutes=2))
    with session_scope(store_db) as session:
        (key,) = list_api_keys(session, account_id)
        assert key.last_used_at == T0 + timedelta(minutes=2)
    assert _refusals(store_db) == []


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "tampered"),
        (lambda t: "ilteo_0000000000000000_" + t.split("_", 2)[2], "unknown"),
        (lambda t: t[:-3], "malformed"),
        (lambda t: "ilteo_" + "x" * 20, "malformed"),
        (lambda t: "", "malformed"),
    ],
)
def test_bad_keys_are_refused_and_audited(
    store_db: Settings, issued: tuple[str, str], mangle: object, reason: str
) -> None:
    _, token = issued
    bad = mangle(token)  # type: ignore[operator]  # the parametrized lambda
    with session_scope(store_db) as session:
        assert resolve_api_key(session, bad, secret_key=KEY, client="10.0.0.9", now=T0) is None
    (refusal,) = _refusals(store_db)
    assert refusal["reason"] == reason
    assert token.split("_", 2)[2] not in _audit_text(store_db)  # never the secret


def test_a_key_under_another_secret_key_is_refused(
    store_db: Settings, issued: tuple[str, str]
) -> None:
    _, token = issued
    with session_scope(store_db) as session:
        assert resolve_api_key(session, token, secret_key="another-" + KEY, now=T0) is None
    assert [r["reason"] for r in _refusals(store_db)] == ["tampered"]


def test_revoked_and_expired_keys_are_refused(store_db: Settings, issued: tuple[str, str]) -> None:
    account_id, token = issued
    with session_scope(store_db) as session:
        later = T0 + timedelta(days=366)
        assert resolve_api_key(session, token, secret_key=KEY, now=later) is None
        key_id = token.split("_")[1]
        revoked = revoke_api_key(session, account_id, key_id, now=T0 + timedelta(hours=1))
        assert revoked.state(T0 + timedelta(hours=2)) == "revoked"
        assert revoke_api_key(session, account_id, key_id).revoked_at == revoked.revoked_at
        assert resolve_api_key(session, token, secret_key=KEY, now=T0 + timedelta(hours=2)) is None
    assert [r["reason"] for r in _refusals(store_db)] == ["expired", "revoked"]
    assert all(r["key_id"] == key_id for r in _refusals(store_db))


def test_only_the_owner_can_revoke(store_db: Settings, issued: tuple[str, str]) -> None:
    _, token = issued
    with session_scope(store_db) as session:
        other, _ = create_test_account(session, login="other")
        with pytest.raises(NotFoundError):
            revoke_api_key(session, other.id, token.split("_")[1])
        assert resolve_api_key(session, token, secret_key=KEY, now=T0) is not None


def test_a_key_carries_the_roles_of_its_account_at_use(
    store_db: Settings, issued: tuple[str, str]
) -> None:
    from ilteo.identity.accounts import roles_of

    account_id, token = issued
    with session_scope(store_db) as session:
        found = resolve_bearer(session, store_db, token, now=T0)
        assert found is not None
        assert found.method == "api_key"
        assert roles_of(session, found.account.id) == ("data_steward",)
        session.delete(session.get(AccountRole, (account_id, "data_steward")))
    with session_scope(store_db) as session:
        found = resolve_bearer(session, store_db, token, now=T0)
        assert found is not None
        assert roles_of(session, found.account.id) == ()
        found.account.status = "disabled"
    with session_scope(store_db) as session:
        assert resolve_bearer(session, store_db, token, now=T0) is None
    assert [r["reason"] for r in _refusals(store_db)] == ["account-inactive"]


def test_a_bearer_that_is_not_a_key_is_refused(store_db: Settings) -> None:
    with session_scope(store_db) as session:
        assert resolve_bearer(session, store_db, "eyJhbGciOi.not-a-key.x", now=T0) is None
        events = list(session.scalars(select(AuditEntry.event)))
    assert "bearer.refused" in events


# The web pages --------------------------------------------------------------------------------


@pytest.fixture
def web(store: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(store), headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_page_needs_a_sign_in(web: TestClient) -> None:
    response = web.get("/account/api-keys", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/account/api-keys")


def test_create_list_and_revoke_on_the_page(web: TestClient, store: Settings) -> None:
    account = sign_in_client(web, store, login="minji", roles=())
    page = web.get("/account/api-keys")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    assert "만든 API 키가 없습니다" in page.text
    assert 'href="/account/api-keys"' in web.get("/account").text
    made = web.post(
        "/account/api-keys", data={"name": "my laptop", "days": "90", "csrf": _csrf(page.text)}
    )
    assert made.status_code == 201
    token = re.search(r'value="(ilteo_[^"]+)"', made.text)
    assert token, "the new key is shown once"
    again = web.get("/account/api-keys")
    assert token.group(1) not in again.text  # never shown again
    assert "my laptop" in again.text
    with session_scope(store) as session:
        (key,) = list_api_keys(session, account.id)
        assert key.expires_at - key.created_at == timedelta(days=90)
    # The key works on the API (no cookie), then stops once revoked on the page.
    api = TestClient(web.app)
    me = api.get("/v1/identity/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.json()["authenticated_by"] == "api_key"
    revoked = web.post(f"/account/api-keys/{key.id}/revoke", data={"csrf": _csrf(again.text)})
    assert revoked.status_code == 200
    assert f'action="/account/api-keys/{key.id}/revoke"' not in revoked.text  # no button now
    assert "폐기됨" in revoked.text
    refused = api.get("/v1/identity/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert refused.status_code == 401


def test_forms_without_csrf_or_with_bad_input_are_refused(web: TestClient, store: Settings) -> None:
    sign_in_client(web, store, login="minji", roles=())
    assert web.post("/account/api-keys", data={"name": "x", "csrf": "nope"}).status_code == 403
    page = web.get("/account/api-keys")
    bad = web.post("/account/api-keys", data={"name": "   ", "csrf": _csrf(page.text)})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    missing = web.post("/account/api-keys/0123456789abcdef/revoke", data={"csrf": _csrf(page.text)})
    assert missing.status_code == 404
    assert web.post("/account/api-keys/x/revoke", data={"csrf": "nope"}).status_code == 403
    with session_scope(store) as session:
        events = list(session.scalars(select(AuditEntry.event)))
    assert events.count("csrf.refused") == 2
    assert "api_key.created" not in events


# Scopes, limits and usage ---------------------------------------------------------------------


def test_scopes_default_to_what_the_roles_allow_and_are_checked(store_db: Settings) -> None:
    from ilteo.identity.api_keys import SCOPES, has_scope

    with session_scope(store_db) as session:
        citizen, _ = create_test_account(session, login="citizen")
        steward, _ = create_test_account(session, login="steward", roles=("data_steward",))
        mine = create_api_key(session, citizen.id, name="a", secret_key=KEY, now=T0)
        assert mine.key.scopes == ("reference:read", "identity:read")
        theirs = create_api_key(session, steward.id, name="b", secret_key=KEY, now=T0)
        assert theirs.key.scopes == SCOPES
        narrow = create_api_key(
            session, steward.id, name="c", secret_key=KEY, scopes=["lake:read"], now=T0
        )
        assert narrow.key.scopes == ("lake:read",)
        for bad, word in (
            (["lake:write"], "lake:write"),
            (["lake:read"], "lake:read"),  # the citizen has no lake role
            ([], "at least one"),
        ):
            with pytest.raises(InvalidInputError, match=word):
                create_api_key(session, citizen.id, name="x", secret_key=KEY, scopes=bad)
        for limits in ({"rate_per_minute": 0}, {"daily_quota": -1}):
            with pytest.raises(InvalidInputError, match="limit"):
                create_api_key(session, citizen.id, name="x", secret_key=KEY, **limits)
        caller = resolve_bearer(session, store_db, narrow.token, now=T0)
        assert caller is not None
        assert caller.scopes == ("lake:read",)
    assert has_scope(caller.scopes, "lake:read")
    assert not has_scope(caller.scopes, "identity:read")
    assert has_scope((), "identity:read")  # a session or an OAuth token: roles only


def test_limits_ride_on_the_key_and_the_bearer(store_db: Settings) -> None:
    with session_scope(store_db) as session:
        account, _ = create_test_account(session, login="dev")
        made = create_api_key(
            session, account.id, name="k", secret_key=KEY, rate_per_minute=7, daily_quota=70
        )
        assert (made.key.rate_per_minute, made.key.daily_quota) == (7, 70)
        caller = resolve_bearer(session, store_db, made.token)
        assert caller is not None
        assert (caller.rate_per_minute, caller.daily_quota) == (7, 70)


def test_usage_adds_up_per_key_and_seoul_day(store_db: Settings) -> None:
    from datetime import date

    from ilteo.identity.api_keys import add_usage, daily_requests, seoul_day, usage_of

    with session_scope(store_db) as session:
        account, _ = create_test_account(session, login="dev")
        key_id = create_api_key(session, account.id, name="k", secret_key=KEY, now=T0).key.id
    today = seoul_day(T0)
    with session_scope(store_db) as session:
        add_usage(session, {(key_id, today): (5, 1), (key_id, today - timedelta(days=1)): (2, 0)})
        add_usage(session, {("0000000000000000", today): (1, 0)})  # a deleted key: dropped
    with session_scope(store_db) as session:
        add_usage(session, {(key_id, today): (3, 2)})
    with session_scope(store_db) as session:
        rows = [(u.day, u.requests, u.rejected) for u in usage_of(session, [key_id], now=T0)]
        assert daily_requests(session, [key_id], today) == {key_id: 8}
        assert usage_of(session, [key_id], days=1, now=T0)[0].day == today
        with pytest.raises(InvalidInputError):
            usage_of(session, days=0)
    assert rows == [(today, 8, 3), (today - timedelta(days=1), 2, 0)]
    assert isinstance(rows[0][0], date)


def test_the_page_offers_scopes_and_shows_usage(web: TestClient, store: Settings) -> None:
    from ilteo.identity.accounts import utcnow
    from ilteo.identity.api_keys import add_usage, seoul_day

    account = sign_in_client(web, store, login="minji", roles=())
    page = web.get("/account/api-keys")
    assert 'value="reference:read" checked' in page.text
    assert 'value="lake:read"' not in page.text  # not a scope a citizen can use
    made = web.post(
        "/account/api-keys",
        data={
            "name": "reader",
            "scope": ["reference:read"],
            "scope_choice": "1",
            "csrf": _csrf(page.text),
        },
    )
    assert made.status_code == 201
    none = web.post(
        "/account/api-keys",
        data={"name": "nothing", "scope_choice": "1", "csrf": _csrf(page.text)},
    )
    assert none.status_code == 422
    assert "범위를 하나 이상 고르세요" in none.text
    with session_scope(store) as session:
        (key,) = list_api_keys(session, account.id)
        assert key.scopes == ("reference:read",)
        add_usage(session, {(key.id, seoul_day(utcnow())): (42, 3)})
    listed = web.get("/account/api-keys")
    assert 'id="key-usage"' in listed.text
    assert "<td>42</td><td>3</td>" in listed.text
    assert "분당 600회" in listed.text


def test_the_bearer_cache_forgets_at_expiry_on_writes_and_when_full(store_db: Settings) -> None:
    cache: BearerCache[str] = BearerCache(ttl=60, size=3)
    cache.put("ilteo_a_x", "a", expires_at=None)
    assert cache.get("ilteo_a_x") == "a"
    assert all(b"ilteo_a_x" not in key for key in cache._entries)  # only a digest is kept
    cache.put("ilteo_b_x", "b", expires_at=utcnow() - timedelta(seconds=1))  # already expired
    assert cache.get("ilteo_b_x") is None
    cache.put("ilteo_c_x", "c", expires_at=utcnow() + timedelta(milliseconds=50))
    assert cache.get("ilteo_c_x") == "c"
    time.sleep(0.1)
    assert cache.get("ilteo_c_x") is None  # not past the key's own expiry
    with session_scope(store_db) as session:  # any write of an account forgets everything
        create_test_account(session, login="someone")
    assert cache.get("ilteo_a_x") is None
    for name in "defg":
        cache.put(f"ilteo_{name}_x", name, expires_at=None)
    assert len(cache._entries) <= 3
    off: BearerCache[str] = BearerCache(ttl=0)
    off.put("ilteo_a_x", "a", expires_at=None)
    assert off.get("ilteo_a_x") is None
