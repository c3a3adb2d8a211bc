"""Tables of the one window: requests, their status history, attachments and staff overrides.

- :class:`Request`: one request or complaint. Its **tracking number** is its key. The text is
  kept twice: **masked** (personal data replaced, :func:`ilteo.desk.pii.mask`) for staff views
  and models, and **sealed** (AES-GCM under the secret key) only because the law on civil
  petitions needs the original; the sealed text is opened only by the answering officer's view.
  The row is written and committed **before** the receipt is shown (write-ahead); triage fills
  the AI columns afterwards, so a request is never lost when a model fails.
- :class:`Event`: every status change with its time, reason and actor (received, classified,
  assigned, in_progress, waiting_citizen, answered, closed).
- :class:`Attachment`: a file sent with a request (type and size checked, stored by content
  hash outside the database).
- :class:`Override`: a member of staff changing the category, route or urgency, with a reason;
  overrides feed retraining (``ilteo desk retrain``).
- :class:`Case`: the requests against one master workplace of the lake, grouped for the
  inspector (:mod:`ilteo.desk.cases`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base

#: The states of a request, in order.
STATUSES: tuple[str, ...] = (
    "received",
    "classified",
    "assigned",
    "in_progress",
    "waiting_citizen",
    "answered",
    "closed",
)
#: How a request arrived.
CHANNELS: tuple[str, ...] = ("web", "api", "mcp", "open311", "counter")
#: An inquiry needs no sign-in; a complaint about a workplace does.
KINDS: tuple[str, ...] = ("inquiry", "complaint")


class Request(Base):
    """One request or complaint received through the one window."""

    __tablename__ = "desk_requests"
    __table_args__ = (
        Index("ix_desk_requests_status_deadline", "status", "deadline"),
        Index("ix_desk_requests_office_status", "office_code", "status"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # the tracking number
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_accounts.id", ondelete="SET NULL"), nullable=True, index=True
    )
    service_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    title_masked: Mapped[str] = mapped_column(String(300), default="")
    text_masked: Mapped[str] = mapped_column(Text)
    text_sealed: Mapped[str] = mapped_column(Text)
    pii_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    contact_masked: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    workplace_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    workplace_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    master_workplace_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    candidates: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    urgent: Mapped[list[str]] = mapped_column(JSON, default=list)
    route: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    office_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    triage_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    assigned_to: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    case_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(24), nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # keyed hash of the account or the normalised contact: "the same person again" without
    # keeping the contact in clear (ilteo.desk.cases)
    person_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    workplace_brn: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # an urgent request alerts the supervisors once; one of them acknowledges it
    alerted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    urgent_ack_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    urgent_ack_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Event(Base):
    """A status change of a request: when, to what, why, by whom."""

    __tablename__ = "desk_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("desk_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(40))  # "system" or "account:<id>"


class Attachment(Base):
    """A file sent with a request, stored by its SHA-256 under the home folder."""

    __tablename__ = "desk_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("desk_requests.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Override(Base):
    """A member of staff correcting the triage, with a reason (audited; feeds retraining)."""

    __tablename__ = "desk_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("desk_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    staff_account_id: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(16))  # category | route | urgent
    old: Mapped[Any] = mapped_column(JSON)
    new: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(300))
    used_in_model: Mapped[str | None] = mapped_column(String(64), nullable=True)


#: The states of a case.
CASE_STATUSES: tuple[str, ...] = ("open", "closed")


class Case(Base):
    """The open requests against one master workplace, grouped into one case for the inspector."""

    __tablename__ = "desk_cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "C-" + workplace + serial
    master_workplace_id: Mapped[str] = mapped_column(String(32), index=True)
    workplace_name: Mapped[str] = mapped_column(String(200), default="")
    sido: Mapped[str | None] = mapped_column(String(2), nullable=True)
    sigungu: Mapped[str | None] = mapped_column(String(5), nullable=True)
    office_code: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    urgent: Mapped[list[str]] = mapped_column(JSON, default=list)
    assigned_to: Mapped[str | None] = mapped_column(String(32), nullable=True)
