"""Operational-store tables of the one-ID room: accounts, roles, sessions, throttles, audit.

Secrets never sit in these tables in a form that opens a door by itself: passwords are argon2id
hashes, session ids are SHA-256 digests of the cookie value, and a resident registration number
is only ever its keyed hash (:func:`ilteo.core.ids.hash_rrn`), set at identity proofing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base

#: Staff roles; a citizen account has none.
STAFF_ROLES: tuple[str, ...] = (
    "counsellor",
    "inspector",
    "desk_officer",
    "analyst",
    "data_steward",
    "administrator",
)
#: Account states; only ``active`` accounts may sign in.
ACCOUNT_STATUSES: tuple[str, ...] = ("active", "locked", "disabled")


class Account(Base):
    """One account per person, citizen or staff.

    The TOTP seed is kept here sealed (AES-GCM under a key derived from the secret key, see
    :mod:`ilteo.core.crypto`); passkeys, counter-issued codes, phone numbers and external
    identities live in their own tables, several per account.
    """

    __tablename__ = "identity_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="ko")
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    rrn_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    master_person_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(160), nullable=True)  # sealed
    totp_active: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    lock_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountRole(Base):
    """A staff role held by an account (one row per role)."""

    __tablename__ = "identity_roles"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(24), primary_key=True)


class SignInSession(Base):
    """A server-side session; ``id_hash`` is the SHA-256 of the cookie value, never the value."""

    __tablename__ = "identity_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The account this session acts for under a delegation (``None``: acting for oneself).
    acting_for: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ClientThrottle(Base):
    """Failed sign-ins from one client (an address), so guessing across accounts is slowed too."""

    __tablename__ = "identity_client_throttles"

    client: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """A security event: sign-in success or failure, lock, unlock, TOTP enrolment, sign-out.

    ``(event, at)`` is indexed so reports over one kind of event in a time range (the public
    sign-in drop-off report) read only those rows.
    """

    __tablename__ = "identity_audit"
    __table_args__ = (Index("ix_identity_audit_event_at", "event", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    account_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    client: Mapped[str | None] = mapped_column(String(128), nullable=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    #: The person an action was done for by a delegate (``account_id``), or ``None``.
    on_behalf_of: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


class PersonRead(Base):
    """A staff read of a person's record, with the purpose the staff member stated."""

    __tablename__ = "identity_person_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    staff_account_id: Mapped[str] = mapped_column(ForeignKey("identity_accounts.id"), index=True)
    master_person_id: Mapped[str] = mapped_column(String(32), index=True)
    purpose: Mapped[str] = mapped_column(Text)
