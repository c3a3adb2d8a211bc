"""Operational-store table of personal API keys.

A key is shown once; the table keeps its public id (the primary key, so resolving a key is one
indexed lookup), a short display prefix and an HMAC-SHA256 of the whole key under the server's
secret key, never the key. ``scopes`` is a JSON list kept now so that per-domain scopes, quotas
and rate limits (a later issue) need no change of shape; today it is always empty, meaning "the
account's own roles at the time of use".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class ApiKey(Base):
    """A personal API key of an account, for the ``/v1`` API and the MCP door."""

    __tablename__ = "identity_api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the public id in the key
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
