"""Operational-store tables of external identities (OpenID Connect) and their login states.

An external identity is the pair (issuer, subject) an OpenID provider vouches for; it is linked
to exactly one account, and one account may have several (one per provider, or more). The pair
is unique, so the same person at the same provider can never open two accounts.

A login state is the server-side half of one authorization-code flow: the ``state`` value that
comes back in the redirect is stored only as its SHA-256 digest (the primary key), the ``nonce``
that must come back inside the id_token likewise, and the PKCE code verifier, which must be read
back for the code exchange, is sealed (AES-GCM, :mod:`ilteo.core.crypto`). A state is used once
(``used_at``) and expires after ten minutes. ``link_account_id`` is set when a signed-in person
links a provider to their account rather than signing in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class ExternalIdentity(Base):
    """A subject at an OpenID provider, linked to one account."""

    __tablename__ = "identity_external_ids"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OidcLoginState(Base):
    """One authorization-code flow in progress (single use, ten minutes)."""

    __tablename__ = "identity_oidc_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(200))  # sealed
    issuer: Mapped[str] = mapped_column(String(255))
    next_path: Mapped[str] = mapped_column(String(2000))
    link_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
