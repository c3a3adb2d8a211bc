"""Passkeys (WebAuthn): register a credential to an account, sign in with it, list and revoke.

Design choices:

- **Discoverable credentials with user verification.** Registration asks for a resident key and
  requires user verification (a fingerprint, face or PIN on the authenticator), so signing in
  needs no login name: the browser offers the passkeys it holds for this site and the response
  names the credential. A passkey is therefore a whole sign-in by itself (something you have plus
  something you are or know), not only a second factor.
- **Server-side, single-use challenges.** Each ceremony stores the SHA-256 of its random challenge
  with its purpose, the registering account (for registration) and an expiry five minutes ahead.
  The challenge comes back inside the client data the authenticator signed; its digest finds the
  ceremony, which is marked used before anything else is checked, so a response is worth one try.
- **The relying party is the request's own site.** The relying-party id is the host name and the
  expected origin the request's origin, unless the ``passkey_origin`` setting pins them
  (production, behind a proxy). WebAuthn refuses IP addresses as relying-party ids, so
  :func:`relying_party` does too.
- **Cloned authenticators.** The library is told the stored counter is zero so that it only checks
  the signature; the counter is compared here afterwards, so a counter that does not go forward is
  refused and audited as ``passkey.possible_clone`` only when the signature itself is valid.
- **One refusal.** Sign-in refusals go through :func:`ilteo.identity.signin._refuse` (same outcome,
  client throttling and audit as the password path, ``method="passkey"``); the audit entry keeps
  the real reason. Passkey failures do not count towards the account's lockout, since an unknown
  party who knows a credential id could otherwise lock its owner out; the client throttle applies.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.identity.accounts import as_utc, get_account, record_audit, utcnow
from ilteo.identity.passkey_models import PasskeyCeremony, PasskeyCredential
from ilteo.identity.signin import (
    SignInResult,
    _account_locked,
    _client_blocked,
    _refuse,
    _succeed,
)

#: How long a challenge may be answered.
CEREMONY_TTL = timedelta(minutes=5)
#: Expired ceremonies are deleted once they are this old (kept a while to name replays).
CEREMONY_KEEP = timedelta(hours=1)
#: The name shown by authenticators for the relying party.
RP_NAME = "일터 ilteo"
#: Longest passkey name a person may choose.
NAME_MAX = 60
#: Largest credential JSON accepted from a browser (attestation "none" responses are small).
MAX_RESPONSE_CHARS = 20_000


class PasskeyError(InvalidInputError):
    """A passkey registration or site that cannot be used; ``reason`` names why (for audit)."""

    def __init__(self, reason: str, detail: str = "passkey refused") -> None:
        """Keep the stable ``reason`` beside the message."""
        super().__init__(detail, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the host name (``id``) and the origin browsers report."""

    id: str
    origin: str


@dataclass(frozen=True)
class PasskeyPublic:
    """What may be shown about a passkey (never the key or the credential id in full)."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    transports: tuple[str, ...]


def relying_party(origin: str) -> RelyingParty:
    """The relying party of a site at ``origin`` (``scheme://host[:port]``).

    Raises:
        PasskeyError: For an IP-address host (WebAuthn refuses them) or a malformed origin.

    >>> relying_party("http://localhost:8000")
    RelyingParty(id='localhost', origin='http://localhost:8000')
    >>> relying_party("http://127.0.0.1:8000")
    Traceback (most recent call last):
    ...
    ilteo.identity.passkeys.PasskeyError: passkeys need a host name, not an IP address
    """
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        raise PasskeyError("bad_origin", "passkeys need an http(s) origin")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return RelyingParty(id=host, origin=f"{parts.scheme}://{parts.netloc}")
    raise PasskeyError("ip_origin", "passkeys need a host name, not an IP address")


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _new_ceremony(session: Session, purpose: str, account_id: str | None, now: datetime) -> bytes:
    session.execute(delete(PasskeyCeremony).where(PasskeyCeremony.expires_at < now - CEREMONY_KEEP))
    challenge = secrets.token_bytes(32)
    session.add(
        PasskeyCeremony(
            challenge_digest=_digest(challenge),
            purpose=purpose,
            account_id=account_id,
            expires_at=now + CEREMONY_TTL,
        )
    )
    return challenge


def _consume_ceremony(
    session: Session, challenge: bytes, purpose: str, account_id: str | None, now: datetime
) -> str | None:
    """Mark the ceremony of ``challenge`` used; return the refusal reason, or ``None`` if fine."""
    row = session.get(PasskeyCeremony, _digest(challenge))
    if row is None or row.purpose != purpose or row.account_id != account_id:
        return "challenge_unknown"
    if row.used_at is not None:
        return "challenge_replayed"
    row.used_at = now
    if as_utc(row.expires_at) <= now:
        return "challenge_expired"
    return None


def _client_challenge(response: dict[str, Any]) -> bytes:
    """The challenge inside a credential's client data (raises on anything malformed)."""
    from webauthn.helpers import base64url_to_bytes, parse_client_data_json

    encoded = response["response"]["clientDataJSON"]
    if not isinstance(encoded, str):
        raise TypeError("clientDataJSON")
    return parse_client_data_json(base64url_to_bytes(encoded)).challenge


def _load(credential_json: str) -> dict[str, Any]:
    if len(credential_json) > MAX_RESPONSE_CHARS:
        raise ValueError("too large")
    data = json.loads(credential_json)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def begin_registration(
    session: Session, account_id: str, rp: RelyingParty, *, now: datetime | None = None
) -> str:
    """Start registering a passkey for ``account_id``.

    Returns:
        The ``PublicKeyCredentialCreationOptions`` as JSON (base64url binary fields), for
        ``navigator.credentials.create()``.
    """
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.base64url_to_bytes import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    now = now or utcnow()
    account = get_account(session, account_id)
    existing = session.scalars(
        select(PasskeyCredential.credential_id).where(
            PasskeyCredential.account_id == account.id, PasskeyCredential.revoked_at.is_(None)
        )
    ).all()
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=account.login,
        user_id=account.id.encode(),  # random, not personal data
        user_display_name=account.display_name,
        challenge=_new_ceremony(session, "register", account.id, now),
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid)) for cid in existing
        ],
    )
    return options_to_json(options)


def _registration_refused(
    session: Session, account_id: str, reason: str, client: str | None, now: datetime
) -> PasskeyError:
    record_audit(
        session,
        "passkey.registration_refused",
        account_id=account_id,
        client=client,
        now=now,
        reason=reason,
    )
    return PasskeyError(reason)


def finish_registration(
    session: Session,
    account_id: str,
    credential_json: str,
    rp: RelyingParty,
    *,
    name: str = "",
    client: str | None = None,
    now: datetime | None = None,
) -> PasskeyPublic:
    """Verify the browser's answer to :func:`begin_registration` and keep the passkey.

    The caller must commit even when this raises: the ceremony is used up and the refusal is
    audited either way.

    Raises:
        PasskeyError: For a malformed response, an unknown, replayed or expired challenge, a
            response that does not verify (origin, relying party, user verification), or a
            credential already registered.
    """
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url, parse_registration_credential_json

    now = now or utcnow()
    name = " ".join(name.split())[:NAME_MAX]
    try:
        data = _load(credential_json)
        challenge = _client_challenge(data)
        parsed = parse_registration_credential_json(data)
    except Exception as exc:  # any parse failure is the same refusal
        raise _registration_refused(session, account_id, "malformed", client, now) from exc
    reason = _consume_ceremony(session, challenge, "register", account_id, now)
    if reason:
        raise _registration_refused(session, account_id, reason, client, now)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except Exception as exc:  # the library raises several kinds for bad input
        raise _registration_refused(session, account_id, "invalid", client, now) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    taken = session.scalar(
        select(PasskeyCredential.id).where(PasskeyCredential.credential_id == credential_id)
    )
    if taken:
        raise _registration_refused(session, account_id, "duplicate", client, now)
    row = PasskeyCredential(
        id=secrets.token_hex(8),
        account_id=account_id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t.value) for t in parsed.response.transports or []],
        name=name or "패스키",
        created_at=now,
    )
    session.add(row)
    session.flush()
    record_audit(
        session, "passkey.registered", account_id=account_id, client=client, now=now, passkey=row.id
    )
    return _public(row)


def begin_sign_in(
    session: Session, rp: RelyingParty, *, client: str | None = None, now: datetime | None = None
) -> str:
    """Start a passkey sign-in (no login name: the browser offers its discoverable passkeys).

    Returns:
        The ``PublicKeyCredentialRequestOptions`` as JSON, for ``navigator.credentials.get()``.

    Raises:
        PasskeyError: ``client_throttled`` while ``client`` is blocked for too many failures
            (so a blocked client cannot fill the ceremony table either).
    """
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    now = now or utcnow()
    if client is not None and _client_blocked(session, client, now):
        raise PasskeyError("client_throttled")
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=_new_ceremony(session, "sign_in", None, now),
        timeout=int(CEREMONY_TTL.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def _assertion_reason(message: str) -> str:
    """A stable audit reason for a library refusal.

    >>> _assertion_reason("Could not verify authentication signature")
    'bad_signature'
    """
    for needle, reason in (
        ("signature", "bad_signature"),
        ("origin", "origin_mismatch"),
        ("RP ID", "rp_id_mismatch"),
        ("verification", "user_not_verified"),
        ("present", "user_not_present"),
    ):
        if needle in message:
            return reason
    return "assertion_invalid"


def check_passkey(
    session: Session,
    credential_json: str,
    rp: RelyingParty,
    *,
    client: str,
    now: datetime | None = None,
) -> SignInResult:
    """Sign in with the browser's answer to :func:`begin_sign_in`.

    Returns:
        ``ok`` with the account id, or ``refused`` for every kind of failure (the audit log
        keeps the reason). The caller must commit either way.
    """
    from webauthn import verify_authentication_response
    from webauthn.helpers import parse_authentication_credential_json

    now = now or utcnow()
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, method="passkey")
    try:
        data = _load(credential_json)
        challenge = _client_challenge(data)
        parsed = parse_authentication_credential_json(data)
    except Exception:  # any parse failure is the same refusal
        return _refuse(session, "malformed", client, now, method="passkey")
    reason = _consume_ceremony(session, challenge, "sign_in", None, now)
    if reason:
        return _refuse(session, reason, client, now, method="passkey")
    row = session.scalar(
        select(PasskeyCredential).where(PasskeyCredential.credential_id == parsed.id)
    )
    if row is None:
        return _refuse(session, "unknown_credential", client, now, method="passkey")
    account = get_account(session, row.account_id)
    if row.revoked_at is not None:
        return _refuse(session, "passkey_revoked", client, now, account, method="passkey")
    if _account_locked(account, now):
        return _refuse(session, "locked", client, now, account, method="passkey")
    handle = parsed.response.user_handle
    if handle is not None and handle != account.id.encode():
        return _refuse(session, "user_handle_mismatch", client, now, account, method="passkey")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=0,  # compared below, after the signature is known good
            require_user_verification=True,
        )
    except Exception as exc:  # the library raises several kinds for bad input
        return _refuse(session, _assertion_reason(str(exc)), client, now, account, method="passkey")
    new_count = verified.new_sign_count
    if (new_count > 0 or row.sign_count > 0) and new_count <= row.sign_count:
        record_audit(
            session,
            "passkey.possible_clone",
            account_id=account.id,
            client=client,
            now=now,
            passkey=row.id,
            stored_count=row.sign_count,
            presented_count=new_count,
        )
        return _refuse(session, "sign_count_regressed", client, now, account, method="passkey")
    row.sign_count = new_count
    row.last_used_at = now
    return _succeed(session, account, client, now, method="passkey")


def _public(row: PasskeyCredential) -> PasskeyPublic:
    return PasskeyPublic(
        id=row.id,
        name=row.name,
        created_at=as_utc(row.created_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        transports=tuple(row.transports or ()),
    )


def list_passkeys(session: Session, account_id: str) -> list[PasskeyPublic]:
    """The passkeys of ``account_id``, newest first, revoked ones included (marked)."""
    rows = session.scalars(
        select(PasskeyCredential)
        .where(PasskeyCredential.account_id == account_id)
        .order_by(PasskeyCredential.created_at.desc(), PasskeyCredential.id)
    )
    return [_public(row) for row in rows]


def revoke_passkey(
    session: Session,
    account_id: str,
    passkey_id: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> PasskeyPublic:
    """Revoke one of ``account_id``'s passkeys; it can never sign in again.

    Raises:
        NotFoundError: When ``passkey_id`` is not a passkey of this account (another person's
            passkey is "not found" too, so ids cannot be probed).
    """
    now = now or utcnow()
    row = session.get(PasskeyCredential, passkey_id)
    if row is None or row.account_id != account_id:
        raise NotFoundError("no such passkey")
    if row.revoked_at is None:
        row.revoked_at = now
        record_audit(
            session,
            "passkey.revoked",
            account_id=account_id,
            client=client,
            now=now,
            passkey=row.id,
        )
    return _public(row)
