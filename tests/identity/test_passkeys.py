"""Passkeys: registration and sign-in with a software authenticator, and every bad input.

:class:`SoftAuthenticator` is a real (if minimal) FIDO2 authenticator: an EC P-256 key made with
``cryptography``, authenticator data laid out as the WebAuthn spec says, "none" attestation and
ECDSA-SHA256 assertions. The server verifies them with the same library code as a browser's.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.identity.factories import T0, create_test_account, sign_in_client
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.models import AuditEntry
from ilteo.identity.passkey_models import PasskeyCeremony, PasskeyCredential
from ilteo.identity.passkeys import (
    PasskeyError,
    RelyingParty,
    begin_registration,
    begin_sign_in,
    check_passkey,
    finish_registration,
    list_passkeys,
    relying_party,
    revoke_passkey,
)

RP = RelyingParty(id="localhost", origin="http://localhost:8000")
CLIENT = "203.0.113.9"
UP, UV, AT = 0x01, 0x04, 0x40


class SoftAuthenticator:
    """A resident-key authenticator with user verification, in software."""

    def __init__(self, *, counter: int = 0) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.counter = counter
        self.user_handle = b""

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(
        self, options_json: str, *, origin: str = RP.origin, flags: int = UP | UV | AT
    ) -> str:
        """Answer ``navigator.credentials.create()`` options with a new credential (JSON)."""
        options = json.loads(options_json)
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        rp_hash = hashlib.sha256(options["rp"]["id"].encode()).digest()
        auth_data = (
            rp_hash
            + bytes([flags])
            + self.counter.to_bytes(4, "big")
            + bytes(16)
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        cid = bytes_to_base64url(self.credential_id)
        return json.dumps(
            {
                "id": cid,
                "rawId": cid,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "attestationObject": bytes_to_base64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def get(
        self,
        options_json: str,
        *,
        origin: str = RP.origin,
        flags: int = UP | UV,
        counter_step: int = 1,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> str:
        """Answer ``navigator.credentials.get()`` options with a signed assertion (JSON)."""
        options = json.loads(options_json)
        self.counter += counter_step
        rp_hash = hashlib.sha256(options["rpId"].encode()).digest()
        auth_data = rp_hash + bytes([flags]) + max(self.counter, 0).to_bytes(4, "big")
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (key or self.key).sign(signed, ec.ECDSA(hashes.SHA256()))
        cid = bytes_to_base64url(self.credential_id)
        return json.dumps(
            {
                "id": cid,
                "rawId": cid,
                "type": "public-key",
                "response": {
                    "clientDataJSON": bytes_to_base64url(client_data),
                    "authenticatorData": bytes_to_base64url(auth_data),
                    "signature": bytes_to_base64url(signature),
                    "userHandle": bytes_to_base64url(self.user_handle),
                },
                "clientExtensionResults": {},
            }
        )


def _reasons(session: Session) -> list[Any]:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.event == "sign_in.failure").order_by(AuditEntry.id)
    )
    return [e.detail["reason"] for e in entries]


def _events(session: Session, event: str) -> int:
    return len(
        session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
        ).all()
    )


@pytest.fixture
def db(db_settings: Settings) -> Iterator[Session]:
    """A migrated store (SQLite and PostgreSQL) with one account, in one open session."""
    upgrade(db_settings)
    with session_scope(db_settings) as session:
        create_test_account(session, login="minji")
        yield session


def _account_id(session: Session) -> str:
    from ilteo.identity.models import Account

    return str(session.scalar(select(Account.id).where(Account.login == "minji")))


def _registered(session: Session, **kwargs: Any) -> SoftAuthenticator:
    authenticator = SoftAuthenticator(**kwargs)
    account_id = _account_id(session)
    options = begin_registration(session, account_id, RP, now=T0)
    finish_registration(
        session, account_id, authenticator.create(options), RP, name="내 휴대전화", now=T0
    )
    return authenticator


def test_register_then_sign_in_without_a_login_name(db: Session) -> None:
    authenticator = _registered(db)
    account_id = _account_id(db)
    [passkey] = list_passkeys(db, account_id)
    assert passkey.name == "내 휴대전화"
    assert passkey.transports == ("internal",)
    options = json.loads(begin_sign_in(db, RP, now=T0))
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == []
    result = check_passkey(db, authenticator.get(json.dumps(options)), RP, client=CLIENT, now=T0)
    assert (result.outcome, result.account_id) == ("ok", account_id)
    row = db.scalar(select(PasskeyCredential))
    assert row is not None
    assert row.sign_count == 1
    assert row.last_used_at is not None
    assert _events(db, "sign_in.success") == 1
    stored = db.scalars(select(PasskeyCeremony.challenge_digest)).all()
    assert options["challenge"] not in stored  # only digests are kept
    assert _events(db, "passkey.registered") == 1


def test_registration_requires_resident_key_and_verification(db: Session) -> None:
    account_id = _account_id(db)
    options = json.loads(begin_registration(db, account_id, RP, now=T0))
    selection = options["authenticatorSelection"]
    assert selection["residentKey"] == "required"
    assert selection["userVerification"] == "required"
    assert base64url_to_bytes(options["user"]["id"]) == account_id.encode()
    unverified = SoftAuthenticator().create(json.dumps(options), flags=UP | AT)
    with pytest.raises(PasskeyError) as refused:
        finish_registration(db, account_id, unverified, RP, now=T0)
    assert refused.value.reason == "invalid"
    assert list_passkeys(db, account_id) == []
    assert _events(db, "passkey.registration_refused") == 1


def test_registration_refuses_replay_expiry_other_origin_and_duplicates(db: Session) -> None:
    account_id = _account_id(db)
    authenticator = SoftAuthenticator()
    options = begin_registration(db, account_id, RP, now=T0)
    response = authenticator.create(options)
    finish_registration(db, account_id, response, RP, now=T0)
    bad: dict[str, str] = {}
    for label, answer, at in [
        ("challenge_replayed", response, T0),
        ("challenge_expired", authenticator.create(begin_registration(db, account_id, RP, now=T0)),
         T0 + timedelta(minutes=6)),
        ("invalid", SoftAuthenticator().create(
            begin_registration(db, account_id, RP, now=T0), origin="https://evil.example"), T0),
        ("duplicate", authenticator.create(begin_registration(db, account_id, RP, now=T0)), T0),
        ("malformed", "{not json", T0),
    ]:  # fmt: skip
        with pytest.raises(PasskeyError) as refused:
            finish_registration(db, account_id, answer, RP, now=at)
        bad[label] = refused.value.reason
    assert bad == {label: label for label in bad}
    assert len(list_passkeys(db, account_id)) == 1


def test_another_accounts_registration_challenge_is_unknown(db: Session) -> None:
    other, _ = create_test_account(db, login="other")
    options = begin_registration(db, other.id, RP, now=T0)
    with pytest.raises(PasskeyError) as refused:
        finish_registration(db, _account_id(db), SoftAuthenticator().create(options), RP, now=T0)
    assert refused.value.reason == "challenge_unknown"


def test_sign_in_refusals_are_audited_with_their_reason(db: Session) -> None:
    authenticator = _registered(db)
    stranger = SoftAuthenticator()
    stranger.user_handle = _account_id(db).encode()

    def attempt(answer_of: Any, at: Any = T0) -> str:
        result = check_passkey(db, answer_of(begin_sign_in(db, RP, now=T0)), RP, client=CLIENT,
                               now=at)  # fmt: skip
        return result.outcome

    forged = ec.generate_private_key(ec.SECP256R1())
    outcomes = [
        attempt(stranger.get),  # a credential nobody registered
        attempt(lambda o: authenticator.get(o, key=forged)),  # signed by another key
        attempt(lambda o: authenticator.get(o, origin="https://evil.example")),
        attempt(lambda o: authenticator.get(o, flags=UP)),  # no user verification
        attempt(authenticator.get, T0 + timedelta(minutes=5, seconds=1)),  # too late
        attempt(lambda _o: "[]"),
    ]
    assert outcomes == ["refused"] * 6
    assert _reasons(db) == [
        "unknown_credential",
        "bad_signature",
        "origin_mismatch",
        "user_not_verified",
        "challenge_expired",
        "malformed",
    ]


def test_a_replayed_assertion_is_refused(db: Session) -> None:
    authenticator = _registered(db)
    answer = authenticator.get(begin_sign_in(db, RP, now=T0))
    assert check_passkey(db, answer, RP, client=CLIENT, now=T0).outcome == "ok"
    assert check_passkey(db, answer, RP, client=CLIENT, now=T0).outcome == "refused"
    unknown = json.loads(answer)
    unknown["response"]["clientDataJSON"] = bytes_to_base64url(
        SoftAuthenticator._client_data("webauthn.get", "AAAA", RP.origin)
    )
    assert check_passkey(db, json.dumps(unknown), RP, client=CLIENT, now=T0).outcome == "refused"
    assert _reasons(db) == ["challenge_replayed", "challenge_unknown"]


def test_a_sign_count_going_backwards_is_refused_as_a_possible_clone(db: Session) -> None:
    authenticator = _registered(db, counter=10)
    assert check_passkey(db, authenticator.get(begin_sign_in(db, RP, now=T0)), RP,
                         client=CLIENT, now=T0).outcome == "ok"  # fmt: skip
    clone = authenticator.get(begin_sign_in(db, RP, now=T0), counter_step=-5)
    assert check_passkey(db, clone, RP, client=CLIENT, now=T0).outcome == "refused"
    assert _reasons(db) == ["sign_count_regressed"]
    assert _events(db, "passkey.possible_clone") == 1


def test_a_revoked_passkey_and_a_locked_account_are_refused(db: Session) -> None:
    from ilteo.identity.accounts import get_account

    authenticator = _registered(db)
    account_id = _account_id(db)
    get_account(db, account_id).status = "disabled"
    answer = authenticator.get(begin_sign_in(db, RP, now=T0))
    assert check_passkey(db, answer, RP, client=CLIENT, now=T0).outcome == "refused"
    get_account(db, account_id).status = "active"
    [passkey] = list_passkeys(db, account_id)
    revoked = revoke_passkey(db, account_id, passkey.id, now=T0)
    assert revoked.revoked_at is not None
    answer = authenticator.get(begin_sign_in(db, RP, now=T0))
    assert check_passkey(db, answer, RP, client=CLIENT, now=T0).outcome == "refused"
    assert _reasons(db) == ["locked", "passkey_revoked"]
    assert _events(db, "passkey.revoked") == 1


def test_nobody_revokes_another_persons_passkey(db: Session) -> None:
    _registered(db)
    other, _ = create_test_account(db, login="other")
    [passkey] = list_passkeys(db, _account_id(db))
    with pytest.raises(NotFoundError):
        revoke_passkey(db, other.id, passkey.id, now=T0)
    assert list_passkeys(db, _account_id(db))[0].revoked_at is None


def test_a_throttled_client_is_refused_before_anything_is_checked(db: Session) -> None:
    from ilteo.identity.models import ClientThrottle

    authenticator = _registered(db)
    db.add(ClientThrottle(client=CLIENT, failures=20, window_start=T0,
                          blocked_until=T0 + timedelta(minutes=15)))  # fmt: skip
    answer = authenticator.get(begin_sign_in(db, RP, now=T0))
    assert check_passkey(db, answer, RP, client=CLIENT, now=T0).outcome == "refused"
    assert _reasons(db) == ["client_throttled"]


def test_relying_party_refuses_ip_addresses_and_keeps_ports() -> None:
    assert relying_party("https://ilteo.example.go.kr").id == "ilteo.example.go.kr"
    assert relying_party("http://localhost:5000").origin == "http://localhost:5000"
    for origin in ("http://127.0.0.1:8000", "http://[::1]:8000", "ftp://x", "nonsense"):
        with pytest.raises(PasskeyError):
            relying_party(origin)


# -- the web door -------------------------------------------------------------------------------


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """The whole app on ``http://localhost`` (a host name, as WebAuthn needs)."""
    upgrade(settings)
    with TestClient(
        create_app(settings), base_url="http://localhost", headers={"Accept": "text/html"}
    ) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_web_register_sign_out_sign_in_and_revoke(web: TestClient, settings: Settings) -> None:
    rp = RelyingParty(id="localhost", origin="http://localhost")
    sign_in_client(web, settings, login="minji", roles=())
    page = web.get("/account/passkeys")
    assert page.status_code == 200
    csrf = _csrf(page.text)
    assert web.post("/account/passkeys/options").status_code == 403  # no CSRF token
    options = web.post("/account/passkeys/options", headers={"X-CSRF-Token": csrf})
    authenticator = SoftAuthenticator()
    answer = authenticator.create(options.text, origin=rp.origin)
    done = web.post(
        "/account/passkeys",
        json={"credential": answer, "name": "노트북"},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    assert "노트북" in web.get("/account/passkeys").text

    web.cookies.clear()
    sign_in_page = web.get("/sign-in/passkey?next=/account")
    assert "패스키" in sign_in_page.text
    anon = _csrf(sign_in_page.text)
    options = web.post("/sign-in/passkey/options", headers={"X-CSRF-Token": anon})
    result = web.post(
        "/sign-in/passkey",
        json={
            "credential": authenticator.get(options.text, origin=rp.origin),
            "next": "//evil.example/account",
        },
        headers={"X-CSRF-Token": anon},
    )
    assert result.status_code == 200, result.text
    assert result.json()["location"] == "/account"  # never off-site
    account_page = web.get("/account/passkeys")
    assert account_page.status_code == 200

    passkey_id = re.search(r'action="/account/passkeys/([0-9a-f]+)/revoke"', account_page.text)
    assert passkey_id
    revoked = web.post(
        f"/account/passkeys/{passkey_id.group(1)}/revoke",
        data={"csrf": _csrf(account_page.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    web.cookies.clear()
    anon = _csrf(web.get("/sign-in/passkey").text)
    options = web.post("/sign-in/passkey/options", headers={"X-CSRF-Token": anon})
    refused = web.post(
        "/sign-in/passkey",
        json={"credential": authenticator.get(options.text, origin=rp.origin), "next": "/account"},
        headers={"X-CSRF-Token": anon},
    )
    assert refused.status_code == 401
    assert "패스키" in refused.json()["message"]
    assert "ilteo_session" not in refused.cookies
    with session_scope(settings) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.event.like("funnel.%")).order_by(AuditEntry.id)
        ).all()
        funnel = [e.event for e in entries if e.detail["path"] == "sign_in.passkey"]
    assert funnel == ["funnel.started", "funnel.finished", "funnel.started"]


def test_web_refuses_ip_address_hosts_and_missing_csrf(settings: Settings) -> None:
    upgrade(settings)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        page = client.get("/sign-in/passkey")
        assert page.status_code == 200
        assert "IP 주소" in page.text  # WebAuthn refuses IP addresses: the page says so
        assert 'id="passkey-app"' not in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/sign-in").text)
        assert csrf
        assert client.post("/sign-in/passkey/options").status_code == 403
        options = client.post("/sign-in/passkey/options", headers={"X-CSRF-Token": csrf.group(1)})
        assert options.status_code == 400
        assert "IP 주소" in options.json()["message"]
        with session_scope(settings) as session:
            assert _events(session, "csrf.refused") == 1
