"""The API with a session cookie or an API key: /v1/identity/me, /v1/lake, and the 401s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.identity.factories import create_test_account, sign_in_client

from ilteo.api import create_app
from ilteo.core.db import engine_for, session_scope
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.identity.api_keys import create_api_key, resolve_api_key, revoke_api_key
from ilteo.identity.apikey_models import ApiKey
from ilteo.identity.models import AccountRole, AuditEntry

PROBLEM = "application/problem+json"


def make_key(settings: Settings, login: str, roles: tuple[str, ...] = ()) -> tuple[str, str]:
    """An account with ``roles`` and an API key of it: (account id, key)."""
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login, roles=roles)
        return account.id, create_api_key(session, account.id, name="test", secret_key=key).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def _refusals(settings: Settings) -> list[dict[str, object]]:
    with session_scope(settings) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.event == "api_key.refused"))
        return [dict(row.detail) for row in rows]


def test_me_with_a_session_cookie(client: TestClient, api_settings: Settings) -> None:
    account = sign_in_client(client, api_settings, login="minji", roles=())
    me = client.get("/v1/identity/me")
    assert me.status_code == 200
    assert me.json() == {
        "id": account.id,
        "login": "minji",
        "display_name": "minji 님",
        "roles": [],
        "authenticated_by": "session",
        "api_key_id": None,
    }


def test_me_with_an_api_key(client: TestClient, api_settings: Settings) -> None:
    account_id, token = make_key(api_settings, "steward", ("data_steward",))
    me = client.get("/v1/identity/me", headers=bearer(token))
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["roles"], body["authenticated_by"]) == (
        account_id,
        ["data_steward"],
        "api_key",
    )
    assert body["api_key_id"] == token.split("_")[1]
    assert token.split("_", 2)[2] not in me.text  # no secret in the answer


def test_a_bearer_wins_over_a_cookie_on_the_api(client: TestClient, api_settings: Settings) -> None:
    sign_in_client(client, api_settings, login="minji", roles=())
    account_id, token = make_key(api_settings, "steward", ("data_steward",))
    me = client.get("/v1/identity/me", headers=bearer(token))
    assert (me.json()["id"], me.json()["authenticated_by"]) == (account_id, "api_key")
    # ... and a bad key is refused even though the cookie is good.
    refused = client.get("/v1/identity/me", headers=bearer(token + "x"))
    assert refused.status_code == 401


def test_no_credentials_is_a_401_problem(client: TestClient) -> None:
    response = client.get("/v1/identity/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ilteo_0123456789abcdef_" + "A" * 43,  # unknown
        "Bearer ilteo_broken",  # malformed
        "Bearer not-an-ilteo-token",  # neither a key nor a known OAuth token
        "Bearer ",  # empty
    ],
)
def test_bad_bearers_are_401_problems(client: TestClient, header: str) -> None:
    response = client.get("/v1/identity/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"].endswith("/unauthorized")
    assert "ilteo_" not in response.text


def test_tampered_revoked_and_expired_keys_are_401_and_audited(
    client: TestClient, api_settings: Settings
) -> None:
    account_id, token = make_key(api_settings, "steward", ("data_steward",))
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get("/v1/lake/catalog", headers=bearer(tampered)).status_code == 401
    key_id = token.split("_")[1]
    with session_scope(api_settings) as session:
        revoke_api_key(session, account_id, key_id)
    assert client.get("/v1/lake/catalog", headers=bearer(token)).status_code == 401
    _, expiring = make_key(api_settings, "old", ("data_steward",))
    with session_scope(api_settings) as session:
        row = session.get(ApiKey, expiring.split("_")[1])
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/v1/lake/catalog", headers=bearer(expiring)).status_code == 401
    reasons = [r["reason"] for r in _refusals(api_settings)]
    assert reasons == ["tampered", "revoked", "expired"]
    with session_scope(api_settings) as session:
        details = " ".join(str(row.detail) for row in session.scalars(select(AuditEntry)))
    assert token.split("_", 2)[2] not in details


def test_lake_reads_with_a_steward_key_and_403_with_a_citizen_key(
    client: TestClient, api_settings: Settings
) -> None:
    steward_id, steward = make_key(api_settings, "steward", ("data_steward",))
    _, citizen = make_key(api_settings, "citizen")
    for path in ("/v1/lake/catalog", "/v1/lake/quality", "/v1/lake/linkage", "/v1/lake/sources"):
        assert client.get(path, headers=bearer(steward)).status_code == 200, path
        forbidden = client.get(path, headers=bearer(citizen))
        assert forbidden.status_code == 403, path
        assert forbidden.headers["content-type"].startswith(PROBLEM)
    # A role removed stops the key at once.
    with session_scope(api_settings) as session:
        role = session.get(AccountRole, (steward_id, "data_steward"))
        session.delete(role)
    assert client.get("/v1/lake/catalog", headers=bearer(steward)).status_code == 403


def test_public_routes_stay_open_and_pages_ignore_no_bearer(client: TestClient) -> None:
    assert client.get("/v1/reference/datasets").status_code == 200
    # A web page with a bad bearer is not silently anonymous either.
    assert client.get("/account", headers=bearer("ilteo_nope")).status_code == 401


def test_the_key_check_is_one_indexed_lookup(api_settings: Settings) -> None:
    """A warm key check reads the key row and the account, no scans (speed: bench_login.py)."""
    from sqlalchemy import event

    _, token = make_key(api_settings, "steward", ("data_steward",))
    key = api_settings.secret_key.get_secret_value() if api_settings.secret_key else ""
    with session_scope(api_settings) as session:  # first use writes last_used_at
        assert resolve_api_key(session, token, secret_key=key) is not None
    statements: list[str] = []
    with session_scope(api_settings) as session:
        engine = session.get_bind()

        def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert resolve_api_key(session, token, secret_key=key) is not None
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 1 <= len(selects) <= 3, statements
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]


def _access_token(settings: Settings, subject: str, *, ttl: int = 300) -> str:
    """An access token (RFC 9068 JWT) signed by this server's development OpenID provider."""
    from ilteo.identity.dev_provider import DEV_CLIENT_ID, DEV_PATH, sign

    now = int(time.time())
    claims = {"iss": f"http://testserver{DEV_PATH}", "sub": subject, "aud": DEV_CLIENT_ID}
    return sign(settings, {**claims, "iat": now, "exp": now + ttl}, typ="at+jwt")


def test_an_oauth_access_token_of_a_linked_account_is_accepted(
    client: TestClient, api_settings: Settings
) -> None:
    from ilteo.identity.dev_provider import DEV_PATH
    from ilteo.identity.oidc import VerifiedIdentity, link_identity

    token = _access_token(api_settings, "dev-person-002")
    assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 401  # unlinked
    with session_scope(api_settings) as session:
        account, _ = create_test_account(session, login="bada", roles=("data_steward",))
        issuer = f"http://testserver{DEV_PATH}"
        link_identity(session, account.id, VerifiedIdentity(issuer, "dev-person-002", "이바다"))
        account_id = account.id
    me = client.get("/v1/identity/me", headers=bearer(token))
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["authenticated_by"]) == (account_id, "oauth")
    assert client.get("/v1/lake/catalog", headers=bearer(token)).status_code == 200
    expired = _access_token(api_settings, "dev-person-002", ttl=-60)
    assert client.get("/v1/identity/me", headers=bearer(expired)).status_code == 401


def _scoped_key(settings: Settings, login: str, scopes: tuple[str, ...]) -> str:
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login=login, roles=("data_steward",))
        return create_api_key(
            session, account.id, name="scoped", secret_key=key, scopes=scopes
        ).token


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/v1/lake/catalog", "lake:read"),
        ("/v1/identity/me", "identity:read"),
        ("/v1/reference/datasets", "reference:read"),
    ],
)
def test_a_key_without_the_routes_scope_is_a_403_naming_it(
    client: TestClient, api_settings: Settings, path: str, scope: str
) -> None:
    others = tuple(s for s in ("reference:read", "lake:read", "identity:read") if s != scope)
    narrow = _scoped_key(api_settings, "narrow", others)
    refused = client.get(path, headers=bearer(narrow))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM)
    body = refused.json()
    assert body["type"].endswith("/insufficient-scope")
    assert body["required_scope"] == scope
    assert scope in body["detail"]
    assert sorted(body["granted_scopes"]) == sorted(others)
    assert f'scope="{scope}"' in refused.headers["WWW-Authenticate"]
    assert "RateLimit-Limit" in refused.headers
    wide = _scoped_key(api_settings, "wide", (scope,))
    assert client.get(path, headers=bearer(wide)).status_code == 200
    client.app.state.rate_limiter.usage.flush()  # type: ignore[attr-defined]
    with session_scope(api_settings) as session:
        refusals = session.scalars(
            select(AuditEntry).where(AuditEntry.event == "api_key.scope_refused")
        ).all()
    assert [r.detail["scope"] for r in refusals] == [scope]


def test_a_session_has_no_scope_limit_beyond_roles(
    client: TestClient, api_settings: Settings
) -> None:
    sign_in_client(client, api_settings, login="steward", roles=("data_steward",))
    for path in ("/v1/lake/catalog", "/v1/identity/me", "/v1/reference/datasets"):
        assert client.get(path).status_code == 200, path


def test_a_key_made_before_scopes_existed_keeps_every_scope(
    client: TestClient, api_settings: Settings
) -> None:
    _, token = make_key(api_settings, "legacy", ("data_steward",))
    with session_scope(api_settings) as session:
        row = session.get(ApiKey, token.split("_")[1])
        assert row is not None
        row.scopes = []
    assert client.get("/v1/lake/catalog", headers=bearer(token)).status_code == 200


def test_require_scope_guards_a_route_wherever_it_is_mounted(api_settings: Settings) -> None:
    from fastapi import Depends

    from ilteo.api.routers.identity import require_scope

    app = create_app(api_settings)

    def probe() -> dict[str, bool]:
        return {"ok": True}

    app.add_api_route("/probe", probe, dependencies=[Depends(require_scope("lake:read"))])
    narrow = _scoped_key(api_settings, "narrow", ("identity:read",))
    wide = _scoped_key(api_settings, "wide", ("lake:read",))
    with TestClient(app) as probe_client:
        refused = probe_client.get("/probe", headers=bearer(narrow))
        assert refused.status_code == 403
        assert refused.json()["required_scope"] == "lake:read"
        assert probe_client.get("/probe", headers=bearer(wide)).json() == {"ok": True}
        assert probe_client.get("/probe").json() == {"ok": True}  # anonymous: roles decide


# --- the process's short memory of checked keys ---------------------------------------------------


def _revoke_behind_the_cache(settings: Settings, token: str) -> None:
    """Revoke as another process would (``ilteo keys revoke``): no ORM event in this one."""
    with engine_for(settings).begin() as connection:
        connection.execute(
            update(ApiKey).where(ApiKey.id == token.split("_")[1]).values(revoked_at=utcnow())
        )


def test_a_key_revoked_in_this_process_is_refused_at_once(
    client: TestClient, api_settings: Settings
) -> None:
    account_id, token = make_key(api_settings, "steward", ("data_steward",))
    assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 200
    assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 200  # remembered
    with session_scope(api_settings) as session:
        revoke_api_key(session, account_id, token.split("_")[1])
    refused = client.get("/v1/identity/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith(PROBLEM)


def test_a_role_removed_in_this_process_is_seen_at_once(
    client: TestClient, api_settings: Settings
) -> None:
    account_id, token = make_key(api_settings, "steward", ("data_steward",))
    assert client.get("/v1/identity/me", headers=bearer(token)).json()["roles"] == ["data_steward"]
    with session_scope(api_settings) as session:
        for row in session.scalars(select(AccountRole).where(AccountRole.account_id == account_id)):
            session.delete(row)
    assert client.get("/v1/identity/me", headers=bearer(token)).json()["roles"] == []


def test_a_revocation_by_another_process_is_seen_within_the_cache_time(
    api_settings: Settings,
) -> None:
    settings = api_settings.model_copy(update={"api_key_cache_seconds": 0.5})
    _, token = make_key(settings, "steward", ("data_steward",))
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 200
        _revoke_behind_the_cache(settings, token)
        assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 200
        time.sleep(0.6)
        assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 401


def test_without_a_cache_every_call_reads_the_store(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"api_key_cache_seconds": 0})
    _, token = make_key(settings, "steward", ("data_steward",))
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 200
        _revoke_behind_the_cache(settings, token)
        assert client.get("/v1/identity/me", headers=bearer(token)).status_code == 401
