"""Operational-store table of delegations: a person lets another account act for them.

One row per grant. The scopes are a JSON list of service names from
:data:`ilteo.identity.delegation.SERVICES` (checked when the row is written, not by the database,
so a new service is one line in that module). A row is never deleted when it ends: ``revoked_at``
and ``revoked_by`` say who ended it and when, so the person's history stays readable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class Delegation(Base):
    """``grantor`` lets ``delegate`` act for them in ``scopes`` between two instants."""

    __tablename__ = "identity_delegations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    grantor_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    delegate_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
