"""Operational-store tables of passkeys: registered credentials and pending ceremonies.

A credential row keeps only what verifying a later assertion needs: the credential id (base64url,
unique, so one authenticator key belongs to one account), its COSE public key, the signature
counter (to notice a cloned authenticator), the transports the browser reported (a hint for later
prompts) and a name the person chose. Nothing stored here opens a door by itself: a public key
cannot sign.

A ceremony row is a server-side challenge, single-use and valid for five minutes. Only the
SHA-256 digest of the challenge is kept: the challenge comes back inside the signed client data,
so the digest finds the ceremony, and a copy of the table cannot be replayed into a browser.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class PasskeyCredential(Base):
    """A WebAuthn credential (a passkey) registered to an account."""

    __tablename__ = "identity_passkeys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    # base64url of the raw id; WebAuthn allows up to 1023 bytes, i.e. 1364 characters
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PasskeyCeremony(Base):
    """A pending registration or sign-in challenge (single-use, five minutes)."""

    __tablename__ = "identity_passkey_ceremonies"

    challenge_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(12))  # "register" or "sign_in"
    # the account registering a passkey; empty for a sign-in (nobody is known yet)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
