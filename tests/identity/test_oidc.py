"""Sign-in through OpenID Connect against the development provider, over real HTTP.

The app is served by uvicorn in a thread; its client (Authlib) really reads discovery and the
JWKS and exchanges codes with the development provider of the same server. Bad inputs: replayed
or foreign state, a provider error, an unreachable provider, a replayed new-account offer, a
tampered, expired, mis-addressed or nonce-less id_token, and access tokens of every wrong kind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from sqlalchemy import select
from tests.identity.factories import PASSWORD, create_test_account

from ilteo.core.db import engine_for, session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.identity.dev_provider import DEV_CLIENT_ID, dev_client_secret, sign
from ilteo.identity.models import Account, AuditEntry
from ilteo.identity.oidc import (
    OidcRefused,
    VerifiedIdentity,
    account_for_access_token,
    client_config,
    consume_state,
    digest,
    exchange_code,
    link_identity,
    validate_id_token,
)
from ilteo.identity.oidc_models import ExternalIdentity

Serve = Callable[[Settings], AbstractContextManager[str]]


@pytest.fixture
def served(db_settings: Settings, serve: Serve) -> Iterator[str]:
    """The whole app on SQLite or PostgreSQL, served over HTTP."""
    with serve(db_settings) as url:
        yield url


def _flip(signature: str) -> str:
    """Change one character in the middle of a base64url signature (still well-formed)."""
    middle = len(signature) // 2
    other = "B" if signature[middle] == "A" else "A"
    return signature[:middle] + other + signature[middle + 1 :]


def _fields(html: str) -> dict[str, str]:
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def _to_callback(browser: httpx.Client, url: str, *, person: str = "dev-person-001") -> str:
    """Start at /sign-in/oidc, pick ``person`` at the provider; the callback URL, not visited."""
    start = browser.get(f"{url}/sign-in/oidc", params={"next": "/account"})
    assert start.status_code == 303
    authorize = start.headers["location"]
    assert authorize.startswith(f"{url}/dev/oidc/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    assert query["state"]
    page = browser.get(authorize)
    assert page.status_code == 200
    assert "개발용 — 실제 인증 아님" in page.text
    answer = browser.post(
        f"{url}/dev/oidc/authorize", data={**_fields(page.text), "person": person}
    )
    assert answer.status_code == 303
    callback = answer.headers["location"]
    assert callback.startswith(f"{url}/sign-in/oidc/callback?code=")
    return callback


def _events(settings: Settings, event: str) -> list[dict[str, object]]:
    with session_scope(settings) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        ).all()
        return [dict(row.detail) for row in rows]


def _refusals(settings: Settings) -> list[object]:
    return [d["reason"] for d in _events(settings, "sign_in.failure") if d["method"] == "oidc"]


def test_first_time_opens_an_account_then_signs_in_directly(
    db_settings: Settings, served: str
) -> None:
    with httpx.Client() as browser:
        page = browser.get(_to_callback(browser, served))
        assert page.status_code == 200
        assert "처음 오셨나요?" in page.text
        assert "김하늘" in page.text
        assert "ilteo_session" not in browser.cookies
        created = browser.post(f"{served}/sign-in/oidc/new", data=_fields(page.text))
        assert created.status_code == 303
        assert created.headers["location"] == "/account"
        assert browser.get(f"{served}/account").status_code == 200
    with httpx.Client() as again:
        signed_in = again.get(_to_callback(again, served))
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/account"
        assert "ilteo_session" in again.cookies
    with session_scope(db_settings) as session:
        linked = session.scalars(select(ExternalIdentity)).one()
        assert linked.issuer == f"{served}/dev/oidc"
        assert linked.subject == "dev-person-001"
        assert session.get(Account, linked.account_id).display_name == "김하늘"  # type: ignore[union-attr]
    funnel = [(d["path"]) for d in _events(db_settings, "funnel.finished")]
    assert funnel.count("sign_in.oidc") == 2
    assert funnel.count("proofing.oidc") == 1
    assert "proofing.oidc" in [d["path"] for d in _events(db_settings, "funnel.started")]
    assert [d["method"] for d in _events(db_settings, "sign_in.success")] == ["oidc", "oidc"]


def test_replayed_state_and_foreign_browser_are_refused(db_settings: Settings, served: str) -> None:
    with httpx.Client() as browser:
        callback = _to_callback(browser, served)
        with httpx.Client() as other:
            other.cookies.set("ilteo_oidc_state", "guess", domain="127.0.0.1")
            foreign = other.get(callback)
            assert foreign.status_code == 401
            assert "ilteo_session" not in other.cookies
        assert browser.get(callback).status_code == 200  # the unknown-person page
        state = parse_qs(urlsplit(callback).query)["state"][0]
        browser.cookies.set("ilteo_oidc_state", state, domain="127.0.0.1")
        replay = browser.get(callback)
        assert replay.status_code == 401
        assert "간편인증으로 로그인하지 못했습니다" in replay.text
        assert "ilteo_session" not in browser.cookies
    assert _refusals(db_settings) == ["state_not_this_browser", "state_unknown"]


def test_provider_error_and_replayed_offer_are_refused(db_settings: Settings, served: str) -> None:
    with httpx.Client() as browser:
        start = browser.get(f"{served}/sign-in/oidc")
        page = browser.get(start.headers["location"])
        denied = browser.post(
            f"{served}/dev/oidc/authorize", data={**_fields(page.text), "action": "deny"}
        )
        assert "error=access_denied" in denied.headers["location"]
        refused = browser.get(denied.headers["location"])
        assert refused.status_code == 401
        offer_page = browser.get(_to_callback(browser, served))
        first = browser.post(f"{served}/sign-in/oidc/new", data=_fields(offer_page.text))
        assert first.status_code == 303
        browser.cookies.clear()  # signed out; the sign-in page seeds a fresh CSRF cookie
        fields = _fields(offer_page.text)
        csrf = _fields(browser.get(f"{served}/sign-in").text)["csrf"]
        replay = browser.post(f"{served}/sign-in/oidc/new", data={**fields, "csrf": csrf})
        assert replay.status_code == 401
        tampered = browser.post(
            f"{served}/sign-in/oidc/new",
            data={**fields, "csrf": csrf, "offer": "x" + fields["offer"]},
        )
        assert tampered.status_code == 401
        assert "ilteo_session" not in browser.cookies
    assert _refusals(db_settings) == ["provider_error", "already_linked", "offer_invalid"]
    with session_scope(db_settings) as session:
        assert len(session.scalars(select(ExternalIdentity)).all()) == 1


def test_expired_state_and_expired_id_token_with_a_controlled_clock(
    settings: Settings, serve: Serve
) -> None:
    with serve(settings) as url, httpx.Client() as browser:
        callback = parse_qs(urlsplit(_to_callback(browser, url)).query)
        state, code = callback["state"][0], callback["code"][0]
        config = client_config(settings, url)
        assert config is not None
        key = settings.secret_key.get_secret_value()  # type: ignore[union-attr]
        later = utcnow() + timedelta(minutes=6)
        with session_scope(settings) as session:
            pending = consume_state(session, state, key=key, now=later)
        with pytest.raises(OidcRefused) as refused:
            exchange_code(config, pending, code, now=later)  # the id_token lived 5 minutes
        assert refused.value.reason == "id_token_invalid"
        # a second flow whose state is used after its ten minutes
        state2 = parse_qs(urlsplit(_to_callback(browser, url)).query)["state"][0]
        with pytest.raises(OidcRefused) as expired, session_scope(settings) as session:
            consume_state(session, state2, key=key, now=utcnow() + timedelta(minutes=11))
        assert expired.value.reason == "state_expired"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_provider_is_refused(settings: Settings, serve: Serve) -> None:
    settings.oidc_issuer = f"http://127.0.0.1:{_unused_port()}/nowhere"
    settings.oidc_client_id = "ilteo"
    settings.oidc_client_secret = SecretStr("a-client-secret-for-tests")
    with serve(settings) as url, httpx.Client() as browser:
        response = browser.get(f"{url}/sign-in/oidc")
        assert response.status_code == 503
        assert "연결할 수 없습니다" in response.text
    assert _refusals(settings) == ["provider_unreachable"]


def test_production_has_no_development_provider(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from ilteo.api import create_app

    prod = Settings(env="prod", home=tmp_path, secret_key=SecretStr(secrets.token_urlsafe(32)))
    upgrade(prod)
    with TestClient(create_app(prod)) as client:
        assert client.get("/dev/oidc/jwks").status_code == 404
        assert client.get("/dev/oidc/.well-known/openid-configuration").status_code == 404
        assert client.get("/sign-in/oidc", follow_redirects=False).status_code == 503
    assert _refusals(prod) == ["not_configured"]


# --- the id_token checks, one bad input at a time -------------------------------------------

ISSUER = "http://127.0.0.1:9/dev/oidc"


def _claims(**overrides: object) -> dict[str, object]:
    now = int(utcnow().timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": "dev-person-001",
        "aud": DEV_CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": "n-0123",
    }
    claims.update(overrides)
    return claims


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def _check(settings: Settings, token: str, **kwargs: Any) -> dict[str, Any]:
    from ilteo.identity.dev_provider import public_jwks

    args: dict[str, Any] = {
        "jwks": public_jwks(settings),
        "issuer": ISSUER,
        "client_id": DEV_CLIENT_ID,
        "nonce_hash": digest("n-0123"),
    }
    return validate_id_token(token, **{**args, **kwargs})


def test_id_token_checks(settings: Settings) -> None:
    assert _check(settings, sign(settings, _claims()))["sub"] == "dev-person-001"
    good = sign(settings, _claims())
    head, body, sig = good.split(".")
    forged_body = _b64(b'{"sub":"someone-else"}')
    other_key = RSAKey.generate_key(2048, auto_kid=True)
    from joserfc import jwt

    cases = {
        "tampered payload": f"{head}.{forged_body}.{sig}",
        "tampered signature": f"{head}.{body}.{_flip(sig)}",
        "another key": jwt.encode({"alg": "RS256", "kid": other_key.kid}, _claims(), other_key),
        "no signature": _b64(b'{"alg": "none"}') + f".{body}.",
        "wrong audience": sign(settings, _claims(aud="another-client")),
        "wrong issuer": sign(settings, _claims(iss="http://evil.example/dev/oidc")),
        "expired": sign(settings, _claims(exp=int(utcnow().timestamp()) - 120)),
        "issued in the future": sign(settings, _claims(iat=int(utcnow().timestamp()) + 600)),
        "not a JWT": "not-a-token",
        "subject too long": sign(settings, _claims(sub="x" * 300)),
    }
    for name, token in cases.items():
        with pytest.raises(OidcRefused) as refused:
            _check(settings, token)
        assert refused.value.reason == "id_token_invalid", name
    with pytest.raises(OidcRefused) as wrong_nonce:
        _check(settings, sign(settings, _claims(nonce="n-other")))
    assert wrong_nonce.value.reason == "nonce_mismatch"
    with pytest.raises(OidcRefused) as no_nonce:
        _check(settings, sign(settings, _claims(nonce=None)))
    assert no_nonce.value.reason == "nonce_mismatch"
    later = utcnow() + timedelta(minutes=10)
    with pytest.raises(OidcRefused):
        _check(settings, good, now=later)


# --- the provider's token endpoint and access tokens ----------------------------------------


def _code(url: str, verifier: str, browser: httpx.Client) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "client_id": DEV_CLIENT_ID,
        "redirect_uri": f"{url}/sign-in/oidc/callback",
        "response_type": "code",
        "scope": "openid profile",
        "state": "s-1",
        "nonce": "n-1",
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    page = browser.get(f"{url}/dev/oidc/authorize", params=params)
    answer = browser.post(
        f"{url}/dev/oidc/authorize", data={**_fields(page.text), "person": "dev-person-002"}
    )
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def _token(url: str, code: str, verifier: str, secret: str, **extra: str) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"{url}/sign-in/oidc/callback",
        "code_verifier": verifier,
        **extra,
    }
    return httpx.post(f"{url}/dev/oidc/token", data=data, auth=(DEV_CLIENT_ID, secret))


def test_token_endpoint_checks_client_code_pkce_and_redirect(
    settings: Settings, serve: Serve
) -> None:
    secret = dev_client_secret(settings)
    verifier = secrets.token_urlsafe(48)
    with serve(settings) as url, httpx.Client() as browser:
        assert _token(url, _code(url, verifier, browser), verifier, "wrong").status_code == 401
        code = _code(url, verifier, browser)
        assert _token(url, code, "another-verifier-" + "x" * 30, secret).status_code == 400
        assert _token(url, code, verifier, secret).status_code == 400  # already spent above
        code = _code(url, verifier, browser)
        wrong_redirect = _token(url, code, verifier, secret, redirect_uri="http://evil.example/cb")
        assert wrong_redirect.json() == {"error": "invalid_grant"}
        code = _code(url, verifier, browser)
        good = _token(url, code, verifier, secret)
        assert good.status_code == 200
        assert set(good.json()) >= {"access_token", "id_token", "expires_in"}
        assert _token(url, code, verifier, secret).status_code == 400  # single use
        access = good.json()["access_token"]
        info = httpx.get(f"{url}/dev/oidc/userinfo", headers={"Authorization": f"Bearer {access}"})
        assert info.json() == {"sub": "dev-person-002", "name": "이바다"}
        id_token = good.json()["id_token"]
        bad_info = httpx.get(
            f"{url}/dev/oidc/userinfo", headers={"Authorization": f"Bearer {id_token}"}
        )
        assert bad_info.status_code == 401


def test_access_tokens_name_the_linked_account(db_settings: Settings, served: str) -> None:
    settings = db_settings
    verifier = secrets.token_urlsafe(48)
    with httpx.Client() as browser:
        tokens = _token(
            served, _code(served, verifier, browser), verifier, dev_client_secret(settings)
        ).json()
    access, id_token = tokens["access_token"], tokens["id_token"]
    with session_scope(settings) as session:
        assert account_for_access_token(session, settings, access) is None  # not linked yet
        account, _ = create_test_account(session, login="bada")
        identity = VerifiedIdentity(f"{served}/dev/oidc", "dev-person-002", "이바다")
        link_identity(session, account.id, identity)
        account_id = account.id
    head, body, sig = access.split(".")
    other = RSAKey.generate_key(2048, auto_kid=True)
    from joserfc import jwt

    forged = jwt.encode(
        {"alg": "RS256", "kid": other.kid, "typ": "at+jwt"}, _payload(access), other
    )
    with session_scope(settings) as session:
        assert account_for_access_token(session, settings, access) == account_id
        later = utcnow() + timedelta(minutes=10)
        assert account_for_access_token(session, settings, access, now=later) is None
        assert account_for_access_token(session, settings, id_token) is None  # not an access token
        assert account_for_access_token(session, settings, f"{head}.{body}.{_flip(sig)}") is None
        assert account_for_access_token(session, settings, forged) is None
        assert account_for_access_token(session, settings, "garbage") is None
    configured = settings.model_copy(
        update={
            "oidc_issuer": f"{served}/dev/oidc",
            "oidc_client_id": DEV_CLIENT_ID,
            "oidc_client_secret": SecretStr(dev_client_secret(settings)),
        }
    )
    with session_scope(settings) as session:  # JWKS read over HTTP from the configured issuer
        assert account_for_access_token(session, configured, access) == account_id
        session.get(Account, account_id).status = "disabled"  # type: ignore[union-attr]
        session.flush()
        assert account_for_access_token(session, configured, access) is None
    reasons = [d["reason"] for d in _events(settings, "oidc.access_token_refused")]
    assert reasons == [
        "not_linked",
        "access_token_invalid",
        "access_token_invalid",
        "access_token_invalid",
        "access_token_invalid",
        "malformed",
        "not_linked",
    ]


# --- linking while signed in -----------------------------------------------------------------


def _password_sign_in(browser: httpx.Client, url: str, login: str) -> None:
    csrf = _fields(browser.get(f"{url}/sign-in").text)["csrf"]
    answer = browser.post(
        f"{url}/sign-in",
        data={"login": login, "password": PASSWORD, "csrf": csrf, "next": "/account"},
    )
    assert answer.status_code == 303


def _link(browser: httpx.Client, url: str, person: str) -> httpx.Response:
    page = browser.get(f"{url}/account/linked-ids")
    assert page.status_code == 200
    start = browser.post(f"{url}/account/linked-ids", data=_fields(page.text))
    assert start.status_code == 303
    authorize = browser.get(start.headers["location"])
    answer = browser.post(
        f"{url}/dev/oidc/authorize", data={**_fields(authorize.text), "person": person}
    )
    return browser.get(answer.headers["location"])


def test_link_while_signed_in_then_sign_in_with_it(db_settings: Settings, served: str) -> None:
    with session_scope(db_settings) as session:
        minji, _ = create_test_account(session, login="minji")
        create_test_account(session, login="other")
        minji_id = minji.id
    with httpx.Client() as browser:
        _password_sign_in(browser, served, "minji")
        linked = _link(browser, served, "dev-person-003")
        assert linked.status_code == 303
        assert linked.headers["location"] == "/account/linked-ids?linked=1"
        page = browser.get(f"{served}/account/linked-ids?linked=1")
        assert "박가람" in page.text
        assert "간편인증을 내 계정에 연결했습니다" in page.text
    with httpx.Client() as browser:  # someone else cannot take the same identity
        _password_sign_in(browser, served, "other")
        assert _link(browser, served, "dev-person-003").status_code == 401
    with httpx.Client() as browser:
        signed_in = browser.get(_to_callback(browser, served, person="dev-person-003"))
        assert signed_in.status_code == 303
        assert browser.get(f"{served}/account").status_code == 200
    with session_scope(db_settings) as session:
        rows = session.scalars(select(ExternalIdentity)).all()
        assert [(r.account_id, r.subject) for r in rows] == [(minji_id, "dev-person-003")]
        session.get(Account, minji_id).locked_until = utcnow() + timedelta(hours=1)  # type: ignore[union-attr]
    with httpx.Client() as browser:  # a locked account stays locked whatever the method
        refused = browser.get(_to_callback(browser, served, person="dev-person-003"))
        assert refused.status_code == 401
        assert "ilteo_session" not in browser.cookies
    assert _refusals(db_settings) == ["already_linked", "locked"]


def test_migration_matches_the_oidc_models(db_settings: Settings) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ilteo.core.db import Base
    from ilteo.core.models import import_all_models

    upgrade(db_settings)
    import_all_models()
    mine = {"identity_external_ids", "identity_oidc_states"}
    with engine_for(db_settings).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert [c for c in diff if any(name in repr(c) for name in mine)] == []


def test_unlink_and_forms_without_csrf(settings: Settings, serve: Serve) -> None:
    with serve(settings) as url:
        with session_scope(settings) as session:
            minji, _ = create_test_account(session, login="minji")
            other, _ = create_test_account(session, login="other")
            issuer = f"{url}/dev/oidc"
            mine = link_identity(session, minji.id, VerifiedIdentity(issuer, "s-1", "김하늘"))
            theirs = link_identity(session, other.id, VerifiedIdentity(issuer, "s-2", "이바다"))
            mine_id, theirs_id = mine.id, theirs.id
        with httpx.Client() as browser:
            assert browser.post(f"{url}/sign-in/oidc/new", data={"offer": "x"}).status_code == 403
            _password_sign_in(browser, url, "minji")
            page = browser.get(f"{url}/account/linked-ids")
            assert "김하늘" in page.text
            assert "이바다" not in page.text
            remove = f"{url}/account/linked-ids/{mine_id}/remove"
            assert browser.post(remove).status_code == 403
            assert browser.post(f"{url}/account/linked-ids").status_code == 403
            csrf = _fields(page.text)["csrf"]
            browser.post(f"{url}/account/linked-ids/{theirs_id}/remove", data={"csrf": csrf})
            assert browser.post(remove, data={"csrf": csrf}).status_code == 303
            assert "김하늘" not in browser.get(f"{url}/account/linked-ids").text
    with session_scope(settings) as session:
        left = session.scalars(select(ExternalIdentity.subject)).all()
    assert left == ["s-2"]
    assert len(_events(settings, "oidc.unlinked")) == 1
    assert len(_events(settings, "csrf.refused")) == 3
