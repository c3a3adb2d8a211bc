"""Operational-store tables of account recovery: self-service recovery codes.

A signed-in person makes a set of :data:`ilteo.identity.recovery.RECOVERY_CODE_COUNT` recovery
codes and keeps them on paper. Like counter-issued codes, a recovery code is kept only as its
HMAC-SHA256 under the server's secret key, bound to the account, so a copy of the database does
not give them away. Making a new set deletes the old rows (the audit log keeps the history).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class RecoveryCode(Base):
    """One self-service recovery code of an account: its keyed digest and when it was used."""

    __tablename__ = "identity_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
