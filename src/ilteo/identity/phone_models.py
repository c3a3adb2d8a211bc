"""Tables of phone numbers, phone sign-in codes and the message outbox.

A number is stored sealed (AES-GCM, purpose ``identity.phone``) with a masked display form
(``010-****-5678``) and a keyed digest to notice the same number added twice to one account; a
code is kept only as its HMAC-SHA256 under the secret key, bound to its challenge and purpose.
The outbox is the development sender's "gateway": recipient and text are both sealed, so a copy
of the database holds neither clear numbers nor clear codes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class PhoneNumber(Base):
    """A telephone number of an account: a mobile (SMS or voice) or a landline (voice only)."""

    __tablename__ = "identity_phone_numbers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    number_sealed: Mapped[str] = mapped_column(String(200))
    number_digest: Mapped[str] = mapped_column(String(64), index=True)
    masked: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PhoneChallenge(Base):
    """One code sent to a number, for one purpose (``verify`` a number or ``sign_in``)."""

    __tablename__ = "identity_phone_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    phone_id: Mapped[str] = mapped_column(
        ForeignKey("identity_phone_numbers.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(Base):
    """A message the development sender "sent": shown by ``ilteo identity outbox``."""

    __tablename__ = "identity_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient_masked: Mapped[str] = mapped_column(String(32))
    recipient_sealed: Mapped[str] = mapped_column(String(200))
    text_sealed: Mapped[str] = mapped_column(Text)
