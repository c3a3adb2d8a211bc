"""Tables of the safety room: the inspection queue and the outcomes inspectors record.

:class:`Inspection` is one planned inspection of a master workplace of the lake. It enters the
queue from targeting (``selection`` ``model`` for the injuries-averted ranking, ``random`` for the
randomised share), from an imminent-danger request of the one window (``complaint``) or by hand
(``manual``); an inspector records the outcome (date, findings, whether work was stopped), and the
outcome flows back: the next features count the inspection and its findings, and the randomised
ones measure the effect (:func:`ilteo.safety.targeting.estimate_effect`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base

#: Why a workplace is in the queue.
SELECTIONS: tuple[str, ...] = ("model", "random", "complaint", "manual")
#: The states of an inspection.
INSPECTION_STATUSES: tuple[str, ...] = ("queued", "done", "cancelled")


class Inspection(Base):
    """One planned or completed inspection of a workplace."""

    __tablename__ = "safety_inspections"
    __table_args__ = (
        Index("ix_safety_inspections_status_due", "status", "due_on"),
        Index("ix_safety_inspections_workplace", "master_workplace_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # "I-YYYYMMDD-XXXXXX"
    master_workplace_id: Mapped[str] = mapped_column(String(32))
    workplace_name: Mapped[str] = mapped_column(String(200), default="")
    sido_code: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    ksic_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    selection: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    p_serious: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_averted: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(24), nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    queued_by: Mapped[str] = mapped_column(String(48))  # "system" | "account:<id>"
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    inspector_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    inspected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    findings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    work_stopped: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    outcome_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(48), nullable=True)
