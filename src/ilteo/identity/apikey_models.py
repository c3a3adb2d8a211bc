"""Operational-store table of personal API keys.

A key is shown once; the table keeps its public id (the primary key, so resolving a key is one
indexed lookup), a short display prefix and an HMAC-SHA256 of the whole key under the server's
secret key, never the key. ``scopes`` is the JSON list of per-domain scopes the key may use
(:data:`ilteo.identity.api_keys.SCOPES`; empty, for keys made before scopes existed, means every
scope the account's roles allow). ``rate_per_minute`` and ``daily_quota`` override the settings'
defaults for one key when set.

:class:`ApiKeyUsage` counts a key's requests per Asia/Seoul day: admitted ones and those refused
with 429. The API adds to it in batches (:mod:`ilteo.api.ratelimit`), never one write per request.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String
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
    rate_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    daily_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ApiKeyUsage(Base):
    """Requests of one API key on one Asia/Seoul day."""

    __tablename__ = "identity_api_key_usage"

    key_id: Mapped[str] = mapped_column(
        ForeignKey("identity_api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
