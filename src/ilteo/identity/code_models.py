"""Tables of counter-issued one-time codes: a sheet per issue, one row per code.

A code is kept only as its HMAC-SHA256 under the server's secret key (bound to the account), so a
copy of the database cannot be turned back into codes by trying all 10^8 of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class CodeSheet(Base):
    """A sheet of one-time codes handed over at the counter after in-person proofing."""

    __tablename__ = "identity_code_sheets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    issued_by: Mapped[str] = mapped_column(ForeignKey("identity_accounts.id"))
    method: Mapped[str] = mapped_column(String(32))
    evidence_note: Mapped[str] = mapped_column(Text)
    voucher_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OneTimeCode(Base):
    """One code of a sheet: its keyed digest and when it was used (once)."""

    __tablename__ = "identity_one_time_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[str] = mapped_column(
        ForeignKey("identity_code_sheets.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
