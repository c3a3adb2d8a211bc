"""Accounts, staff roles, identity proofing and the security audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.identity.models import STAFF_ROLES, Account, AccountRole, AuditEntry
from ilteo.identity.passwords import hash_password


def utcnow() -> datetime:
    """The current time in UTC (the default clock of every identity function)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime (SQLite returns them) as UTC.

    >>> as_utc(datetime(2026, 1, 1)).tzinfo
    datetime.timezone.utc
    """
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AccountPublic:
    """What may be shown about an account (never hashes or secrets)."""

    id: str
    login: str
    display_name: str
    status: str
    roles: tuple[str, ...]
    totp_active: bool
    locked_until: datetime | None


def record_audit(
    session: Session,
    event: str,
    *,
    account_id: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    on_behalf_of: str | None = None,
    **detail: object,
) -> None:
    """Append a security event to the audit log (never a password, code or session id).

    ``on_behalf_of`` is the person a delegate acted for (``account_id`` is then the delegate):
    the "done by X for Y" mark that person sees on their delegation page.
    """
    session.add(
        AuditEntry(
            at=now or utcnow(),
            event=event,
            account_id=account_id,
            client=client,
            detail=detail,
            on_behalf_of=on_behalf_of,
        )
    )


def create_account(
    session: Session,
    *,
    login: str,
    display_name: str,
    password: str | None = None,
    roles: tuple[str, ...] = (),
    email: str | None = None,
    locale: str = "ko",
    now: datetime | None = None,
) -> Account:
    """Create an account, optionally with a password and staff roles.

    Raises:
        InvalidInputError: For an unknown role, a taken login or a too-short password.
    """
    unknown = sorted(set(roles) - set(STAFF_ROLES))
    if unknown:
        raise InvalidInputError(f"알 수 없는 역할 / unknown roles: {', '.join(unknown)}")
    login = login.strip()
    if not login or session.scalar(select(Account.id).where(Account.login == login)):
        raise InvalidInputError("이미 쓰이는 로그인 이름입니다 / login is empty or already taken")
    now = now or utcnow()
    try:
        password_hash = hash_password(password) if password is not None else None
    except ValueError as exc:
        raise InvalidInputError(f"비밀번호가 너무 짧습니다 / {exc}") from exc
    account = Account(
        id=secrets.token_hex(8),
        login=login,
        display_name=display_name,
        email=email,
        locale=locale,
        status="active",
        password_hash=password_hash,
        totp_active=False,
        failed_attempts=0,
        lock_count=0,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    session.add_all(AccountRole(account_id=account.id, role=role) for role in sorted(set(roles)))
    record_audit(session, "account.created", account_id=account.id, now=now, roles=list(roles))
    session.flush()
    return account


def get_account(session: Session, account_id: str) -> Account:
    """Return one account or raise :class:`NotFoundError`."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError(f"계정이 없습니다 / no account {account_id!r}")
    return account


def roles_of(session: Session, account_id: str) -> tuple[str, ...]:
    """The staff roles of an account, sorted."""
    rows = session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    return tuple(sorted(rows))


def to_public(session: Session, account: Account) -> AccountPublic:
    """The showable view of ``account``."""
    return AccountPublic(
        id=account.id,
        login=account.login,
        display_name=account.display_name,
        status=account.status,
        roles=roles_of(session, account.id),
        totp_active=account.totp_active,
        locked_until=as_utc(account.locked_until) if account.locked_until else None,
    )


def list_accounts(session: Session) -> list[AccountPublic]:
    """Every account, oldest first."""
    accounts = session.scalars(select(Account).order_by(Account.created_at, Account.id))
    return [to_public(session, account) for account in accounts]


def unlock_account(session: Session, account_id: str, *, now: datetime | None = None) -> Account:
    """Lift a lock and reset the failure count (an administrator's act, audited)."""
    account = get_account(session, account_id)
    account.locked_until = None
    account.failed_attempts = 0
    if account.status == "locked":
        account.status = "active"
    account.updated_at = now or utcnow()
    record_audit(session, "account.unlocked", account_id=account.id, now=now)
    return account


def set_proofed_rrn(session: Session, account: Account, rrn_hash: str) -> None:
    """Record the keyed RRN hash found at identity proofing (never the clear number).

    Args:
        session: The open session.
        account: The proofed account.
        rrn_hash: ``ilteo.core.ids.hash_rrn(rrn, key)``: 64 hex characters.

    Raises:
        InvalidInputError: When the value is not a 64-character hex digest.
    """
    if len(rrn_hash) != 64 or any(ch not in "0123456789abcdef" for ch in rrn_hash):
        raise InvalidInputError("RRN은 키 해시로만 저장합니다 / only the keyed RRN hash is stored")
    account.rrn_hash = rrn_hash
    record_audit(session, "account.proofed", account_id=account.id)


@dataclass(frozen=True)
class SignInEvent:
    """One sign-in attempt as shown to the account holder."""

    at: datetime
    event: str
    client: str | None


def list_sign_ins(session: Session, account_id: str, limit: int = 10) -> list[SignInEvent]:
    """Recent sign-in successes and failures of an account, newest first."""
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.account_id == account_id,
            AuditEntry.event.in_(["sign_in.success", "sign_in.failure", "account.locked"]),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [SignInEvent(at=as_utc(row.at), event=row.event, client=row.client) for row in rows]
