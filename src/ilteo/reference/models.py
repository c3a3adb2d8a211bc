"""Operational-store table of the reference room: every fetch and first-time load, for audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class ReferenceEvent(Base):
    """One fetch of a download or one first-time (validating) load of a table."""

    __tablename__ = "reference_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(8))  # "load" | "fetch"
    table_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source_url: Mapped[str | None] = mapped_column(Text, nullable=True)
