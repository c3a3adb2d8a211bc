"""Operational-store tables of the lake: batch ledger, quarantine, quality, master events.

Data rows live in Parquet (see :mod:`ilteo.lake.layout`); these tables
hold what must be transactional and shared between processes (the CLI, the server, workers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class LakeBatch(Base):
    """One batch that arrived from a source system (a file or a live micro-batch).

    ``id`` is derived from the source and the content hash, so the same content arriving twice is
    the same batch (re-ingesting changes nothing). For every finished batch
    ``accepted_rows + quarantined_rows == received_rows``.
    """

    __tablename__ = "lake_batches"
    __table_args__ = (UniqueConstraint("source", "content_sha256"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(Text)  # file path, or "api" for live micro-batches
    file_format: Mapped[str] = mapped_column(String(16))  # csv | jsonl | parquet | json
    encoding: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # running|done|rejected|failed
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why rejected or failed
    received_rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted_rows: Mapped[int] = mapped_column(Integer, default=0)
    quarantined_rows: Mapped[int] = mapped_column(Integer, default=0)
    retry_of: Mapped[str | None] = mapped_column(String(80), nullable=True)  # quarantine retry
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LakeQuarantineRow(Base):
    """A row that failed its contract: which rule, which column, which (masked) value."""

    __tablename__ = "lake_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("lake_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # 0-based position in the batch
    rule: Mapped[str] = mapped_column(String(120))  # stable rule id, e.g. "rrn.check_digit"
    column: Mapped[str | None] = mapped_column(String(120), nullable=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked when personal
    status: Mapped[str] = mapped_column(
        String(12), default="open", index=True
    )  # open|fixed|dropped
    resolved_batch_id: Mapped[str | None] = mapped_column(String(80), nullable=True)


class LakeQualityScore(Base):
    """A data-quality score of one field (or a whole source when ``field`` is null) in one batch."""

    __tablename__ = "lake_quality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    field: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # completeness | validity | uniqueness | consistency | freshness
    dimension: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)  # 0..1
    threshold: Mapped[float] = mapped_column(Float)
    below_threshold: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LakeMasterEvent(Base):
    """A change to master records: created, linked, merged, split, with its reason."""

    __tablename__ = "lake_master_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)  # person | workplace
    event: Mapped[str] = mapped_column(String(12), index=True)  # create|merge|split|relink
    master_ids: Mapped[list[str]] = mapped_column(JSON)
    records: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
