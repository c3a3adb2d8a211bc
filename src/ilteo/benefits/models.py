"""Tables of the benefits room: notices, deliveries, consents, reads, applications.

- :class:`Notice`: one finding of the proactive scan offered to one person - which rule found it,
  the programme, the amount, the plain-language text (Korean and English) and the articles of law.
  A person gets one notice per rule and key (the separation day, the outreach month): scanning
  again never repeats it.
- :class:`Delivery`: one way a notice left ilteo - the portal inbox (always) and the configured
  channels (SMS, e-mail, 알림톡). Development adapters write the message here sealed
  (:func:`ilteo.core.crypto.seal`) with a masked recipient; a production gateway would send it and
  record the outcome the same way.
- :class:`Consent`: the person's consent to read named data items for one purpose, held by one
  organisation, given to a recipient, until a day; withdrawable.
- :class:`ConsentRead`: every read of a data item under a consent, by the system (assembling an
  application) or by staff (reviewing it), with its purpose.
- :class:`Application`: an application made from a notice without paper: the documents the law
  asks for are read from the lake under the consent and kept with the application until the
  consent is withdrawn.

No resident registration number is stored: people are master person ids of the lake.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base

#: States of a notice: new (not yet opened), read, applied (an application was made), dismissed.
NOTICE_STATUSES: tuple[str, ...] = ("new", "read", "applied", "dismissed")
#: Delivery channels: the portal inbox is always used; the others are adapters.
CHANNELS: tuple[str, ...] = ("portal", "sms", "email", "alimtalk")
#: Outcomes of a delivery: delivered (inbox), written (dev outbox), sent (gateway), skipped, failed.
DELIVERY_STATUSES: tuple[str, ...] = ("delivered", "written", "sent", "skipped", "failed")
#: States of an application.
APPLICATION_STATUSES: tuple[str, ...] = (
    "submitted",
    "in_review",
    "approved",
    "rejected",
    "withdrawn",
)


class Notice(Base):
    """A benefit a person was found entitled to and not claiming, offered to them."""

    __tablename__ = "benefit_notices"
    __table_args__ = (
        UniqueConstraint("master_person_id", "rule", "key"),
        Index("ix_benefit_notices_rule_status", "rule", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    master_person_id: Mapped[str] = mapped_column(String(32), index=True)
    rule: Mapped[str] = mapped_column(String(48))
    programme: Mapped[str] = mapped_column(String(48), index=True)
    key: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(12), default="new")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    amount_krw: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), nullable=True
    )
    sido: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    title_ko: Mapped[str] = mapped_column(String(200))
    body_ko: Mapped[dict[str, Any]] = mapped_column(JSON)
    title_en: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[dict[str, Any]] = mapped_column(JSON)
    references: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class Delivery(Base):
    """One delivery of a notice by one channel (the development outbox when not a gateway)."""

    __tablename__ = "benefit_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(
        ForeignKey("benefit_notices.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    recipient_masked: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recipient_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


class Consent(Base):
    """Consent to read named data items for one purpose, instead of submitting paper."""

    __tablename__ = "benefit_consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    master_person_id: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    programme: Mapped[str] = mapped_column(String(48))
    purpose: Mapped[str] = mapped_column(Text)
    items: Mapped[list[str]] = mapped_column(JSON)
    holder: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConsentRead(Base):
    """One read of one data item under a consent: by the system or by a member of staff."""

    __tablename__ = "benefit_consent_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("benefit_consents.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    item: Mapped[str] = mapped_column(String(48))
    reader_kind: Mapped[str] = mapped_column(String(8))  # system | staff
    reader_account_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    purpose: Mapped[str] = mapped_column(Text)
    records: Mapped[int] = mapped_column(Integer, default=0)


class Application(Base):
    """An application made from a notice, its documents read from the lake under consent."""

    __tablename__ = "benefit_applications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    notice_id: Mapped[str | None] = mapped_column(
        ForeignKey("benefit_notices.id", ondelete="SET NULL"), nullable=True, index=True
    )
    master_person_id: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="CASCADE"), index=True
    )
    programme: Mapped[str] = mapped_column(String(48), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("benefit_consents.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="submitted", index=True)
    office: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
