"""Counter-issued one-time codes for people without a smartphone.

A counsellor proofs the person in person (an identity card, or a social worker who vouches and is
named), then hands over a sheet of :data:`DEFAULT_COUNT` codes of eight digits
(``1234-5678``). Each code signs in once, together with the login name; the sheet expires after
:data:`DEFAULT_VALID_FOR`, and a lost sheet is revoked (its unused codes die). Issue, use,
replay, refusal and revocation are all audited; the clear codes are shown only at issue.

Sign-in with a code follows the password rules of :mod:`ilteo.identity.signin`: one ``refused``
answer for every failure, the same account lockout and client throttle, and only an HMAC per
attempt (no argon2 on either path), so timing does not tell which logins exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ilteo.core.errors import IlteoError, InvalidInputError, NotFoundError
from ilteo.identity.accounts import as_utc, get_account, record_audit, roles_of, utcnow
from ilteo.identity.code_models import CodeSheet, OneTimeCode
from ilteo.identity.models import Account
from ilteo.identity.signin import (
    SignInResult,
    _account_failed,
    _account_locked,
    _client_blocked,
    _refuse,
    _succeed,
)

#: Codes on one sheet unless the counsellor asks otherwise.
DEFAULT_COUNT = 10
#: How long a sheet stays valid.
DEFAULT_VALID_FOR = timedelta(days=90)
#: Digits per code (printed as two groups of four).
CODE_DIGITS = 8
#: How a counsellor may proof a person at the counter.
PROOFING_METHODS: tuple[str, ...] = ("id_card", "social_worker_voucher")
ProofingMethod = Literal["id_card", "social_worker_voucher"]


class NotCounsellorError(IlteoError):
    """The acting account is not an active counsellor (only counsellors proof and issue)."""


@dataclass(frozen=True)
class InPersonProofing:
    """A counsellor's in-person proofing of an account, recorded in the audit log."""

    account_id: str
    counsellor_id: str
    method: ProofingMethod
    evidence_note: str
    voucher_name: str | None
    at: datetime


@dataclass(frozen=True)
class IssuedSheet:
    """A new sheet as handed over: the clear codes appear only here."""

    sheet_id: str
    account_id: str
    login: str
    codes: tuple[str, ...]
    expires_at: datetime


def normalise_code(value: str) -> str:
    """The digits of a typed code (spaces and hyphens dropped).

    >>> normalise_code(" 1234-5678 ")
    '12345678'
    """
    return "".join(ch for ch in value if ch.isdigit())


def format_code(digits: str) -> str:
    """Group a code's digits in fours for printing.

    >>> format_code("12345678")
    '1234-5678'
    """
    return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def _digest(key: str, account_id: str, digits: str) -> str:
    message = f"{account_id}:{digits}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _require_counsellor(session: Session, counsellor_id: str) -> Account:
    counsellor = get_account(session, counsellor_id)
    if counsellor.status != "active" or "counsellor" not in roles_of(session, counsellor.id):
        record_audit(session, "codes.refused_not_counsellor", account_id=counsellor_id)
        raise NotCounsellorError("상담사만 할 수 있습니다 / only a counsellor may do this")
    return counsellor


def proof_in_person(
    session: Session,
    counsellor_id: str,
    account_id: str,
    method: str,
    evidence_note: str,
    voucher_name: str | None = None,
    *,
    now: datetime | None = None,
) -> InPersonProofing:
    """Record that a counsellor proofed a person at the counter (audited).

    Args:
        session: The open session.
        counsellor_id: The signed-in staff member; must hold the ``counsellor`` role.
        account_id: The person's account.
        method: ``id_card`` or ``social_worker_voucher``.
        evidence_note: What was seen (e.g. the kind of card), never the card number itself.
        voucher_name: For a voucher, the social worker's name and registration; required then.
        now: The clock.

    Raises:
        NotCounsellorError: When ``counsellor_id`` is not an active counsellor.
        InvalidInputError: For an unknown method, an empty note or a voucher without its worker.
        NotFoundError: When either account does not exist.
    """
    now = now or utcnow()
    _require_counsellor(session, counsellor_id)
    account = get_account(session, account_id)
    if method not in PROOFING_METHODS:
        raise InvalidInputError(f"알 수 없는 확인 방법 / unknown proofing method: {method}")
    if not evidence_note.strip():
        raise InvalidInputError("확인 근거를 적어 주세요 / the evidence note is required")
    voucher = (voucher_name or "").strip() or None
    if method == "social_worker_voucher" and voucher is None:
        raise InvalidInputError(
            "사회복지사 이름과 등록번호가 필요합니다 / the social worker's name is required"
        )
    record_audit(
        session,
        "account.proofed_in_person",
        account_id=account.id,
        now=now,
        counsellor=counsellor_id,
        method=method,
        evidence_note=evidence_note.strip(),
        voucher_name=voucher,
    )
    return InPersonProofing(
        account_id=account.id,
        counsellor_id=counsellor_id,
        method=method,  # type: ignore[arg-type]  # checked against PROOFING_METHODS above
        evidence_note=evidence_note.strip(),
        voucher_name=voucher,
        at=now,
    )


def issue_code_sheet(
    session: Session,
    proofing: InPersonProofing,
    *,
    key: str,
    count: int = DEFAULT_COUNT,
    valid_for: timedelta = DEFAULT_VALID_FOR,
    now: datetime | None = None,
) -> IssuedSheet:
    """Make a sheet of one-time codes for a proofed person; only digests are stored.

    Args:
        session: The open session.
        proofing: From :func:`proof_in_person`, in the same visit.
        key: The server's secret key (``settings.secret_key``) for the code digests.
        count: Codes on the sheet (1-50).
        valid_for: How long the sheet stays valid.
        now: The clock.

    Raises:
        NotCounsellorError: When the proofing counsellor no longer holds the role.
        InvalidInputError: For a count outside 1-50.
    """
    now = now or utcnow()
    _require_counsellor(session, proofing.counsellor_id)
    if not 1 <= count <= 50:
        raise InvalidInputError("코드 수는 1-50 / the number of codes must be 1-50")
    account = get_account(session, proofing.account_id)
    sheet = CodeSheet(
        id=secrets.token_hex(8),
        account_id=account.id,
        issued_by=proofing.counsellor_id,
        method=proofing.method,
        evidence_note=proofing.evidence_note,
        voucher_name=proofing.voucher_name,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(sheet)
    session.flush()
    codes: list[str] = []
    while len(codes) < count:
        digits = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if digits not in codes:
            codes.append(digits)
    session.add_all(
        OneTimeCode(sheet_id=sheet.id, digest=_digest(key, account.id, digits)) for digits in codes
    )
    record_audit(
        session,
        "codes.issued",
        account_id=account.id,
        now=now,
        sheet_id=sheet.id,
        counsellor=proofing.counsellor_id,
        method=proofing.method,
        count=count,
    )
    session.flush()
    return IssuedSheet(
        sheet_id=sheet.id,
        account_id=account.id,
        login=account.login,
        codes=tuple(format_code(digits) for digits in codes),
        expires_at=sheet.expires_at,
    )


def revoke_code_sheet(
    session: Session, sheet_id: str, *, by: str, now: datetime | None = None
) -> int:
    """Revoke a lost sheet: every unused code dies at once (audited).

    Args:
        session: The open session.
        sheet_id: The sheet to revoke.
        by: The account revoking it (the holder or a counsellor).
        now: The clock.

    Returns:
        How many unused codes were on the sheet.

    Raises:
        NotFoundError: When there is no such sheet.
    """
    now = now or utcnow()
    sheet = session.get(CodeSheet, sheet_id)
    if sheet is None:
        raise NotFoundError(f"코드표가 없습니다 / no code sheet {sheet_id!r}")
    unused = session.scalars(
        select(OneTimeCode.id).where(
            OneTimeCode.sheet_id == sheet.id, OneTimeCode.used_at.is_(None)
        )
    ).all()
    if sheet.revoked_at is None:
        sheet.revoked_at = now
    record_audit(
        session, "codes.revoked", account_id=sheet.account_id, now=now, sheet_id=sheet.id, by=by
    )
    return len(unused)


def _code_refusal(
    session: Session, account: Account, key: str, digits: str, now: datetime
) -> tuple[str, OneTimeCode | None]:
    """Why a code does not open ``account`` (``""`` when it does), with its row."""
    row = session.scalar(
        select(OneTimeCode)
        .join(CodeSheet, CodeSheet.id == OneTimeCode.sheet_id)
        .where(
            OneTimeCode.digest == _digest(key, account.id, digits),
            CodeSheet.account_id == account.id,
        )
    )
    if row is None:
        return "code", None
    sheet = session.get_one(CodeSheet, row.sheet_id)
    if row.used_at is not None:
        return "code_replay", row
    if sheet.revoked_at is not None:
        return "code_revoked", row
    if as_utc(sheet.expires_at) <= now:
        return "code_expired", row
    return "", row


def check_counter_code(
    session: Session,
    login: str,
    code: str,
    *,
    key: str,
    client: str,
    now: datetime | None = None,
) -> SignInResult:
    """Sign in with a login name and one code from a counter-issued sheet.

    Returns:
        ``ok`` with the account id, or ``refused`` for every kind of failure (the audit log
        keeps the reason: unknown login, locked, wrong, used before, revoked or expired code).
    """
    now = now or utcnow()
    account = session.scalar(select(Account).where(Account.login == login.strip()))
    digits = normalise_code(code)
    if _client_blocked(session, client, now):
        return _refuse(session, "client_throttled", client, now, account, method="counter_code")
    if account is None:
        return _refuse(session, "unknown_login", client, now, method="counter_code")
    if _account_locked(account, now):
        return _refuse(session, "locked", client, now, account, method="counter_code")
    reason, row = _code_refusal(session, account, key, digits, now)
    if reason or row is None:
        result = _refuse(session, reason or "code", client, now, account, method="counter_code")
        _account_failed(session, account, client, now)
        return result
    # Mark the code used only if it is still unused, so two racing requests cannot both pass.
    marked = session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if getattr(marked, "rowcount", 0) != 1:
        result = _refuse(session, "code_replay", client, now, account, method="counter_code")
        _account_failed(session, account, client, now)
        return result
    record_audit(
        session, "codes.used", account_id=account.id, client=client, now=now, sheet_id=row.sheet_id
    )
    return _succeed(session, account, client, now, method="counter_code")


def count_unused_codes(session: Session, sheet_id: str, *, now: datetime | None = None) -> int:
    """Codes of a sheet that can still sign in (0 once it is revoked or expired)."""
    now = now or utcnow()
    sheet = session.get(CodeSheet, sheet_id)
    if sheet is None or sheet.revoked_at is not None or as_utc(sheet.expires_at) <= now:
        return 0
    rows = session.scalars(
        select(OneTimeCode.id).where(
            OneTimeCode.sheet_id == sheet_id, OneTimeCode.used_at.is_(None)
        )
    )
    return len(rows.all())
