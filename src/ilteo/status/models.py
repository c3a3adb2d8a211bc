"""Operational-store tables of the status room: request logs, real-user timings, rollups, incidents.

- :class:`RequestLog`: one row per HTTP request and MCP tool call (and per synthetic probe), written
  in batches by the request-log middleware; raw rows are kept ``status_raw_retention_days``.
- :class:`RumTiming`: one row per accepted real-user beacon (Navigation and Paint Timing of a page).
- :class:`Rollup`: the aggregates the public page reads, kept incrementally as rows are written:
  per menu, per kind (``server``, ``rum``, ``probe``), per hour (UTC) and per Asia/Seoul day —
  requests, failures (5xx and timeouts), the sum of durations and a fixed-bin histogram for
  percentiles. Kept ``status_rollup_retention_days``.
- :class:`Incident`: a period when a menu was failing, opened and closed by the monitor (or staff),
  with its public explanation and post-mortem.
- :class:`UsabilityEvent`: privacy-safe task-funnel steps (no account, no address: a random visit
  id per task attempt).
- :class:`Counter`: named counts per day (beacons refused by reason, log rows dropped, ...).

No column holds a person's identity: clients are a keyed hash of the address that changes every
day (:func:`ilteo.status.logs.anonymise_client`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ilteo.core.db import Base


class RequestLog(Base):
    """One request (or MCP tool call, or probe) as the server saw it."""

    __tablename__ = "status_requests"
    __table_args__ = (Index("ix_status_requests_menu_at", "menu", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    menu: Mapped[str] = mapped_column(String(48))
    route: Mapped[str] = mapped_column(String(200))  # the route template, never the raw path
    method: Mapped[str] = mapped_column(String(8))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    client: Mapped[str] = mapped_column(String(16))  # keyed hash of the address, rotated daily
    kind: Mapped[str] = mapped_column(String(8))  # server | probe
    failed: Mapped[bool] = mapped_column(Boolean)  # 5xx or a timeout


class RumTiming(Base):
    """One accepted real-user beacon: how long a page took for the person who opened it."""

    __tablename__ = "status_rum"
    __table_args__ = (Index("ix_status_rum_menu_at", "menu", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # server time
    menu: Mapped[str] = mapped_column(String(48))
    route: Mapped[str] = mapped_column(String(200))
    navigation: Mapped[str] = mapped_column(String(16))  # navigate | reload | back_forward
    ttfb_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    fcp_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    dcl_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    load_ms: Mapped[float] = mapped_column(Float)  # the "loading speed" of the page
    client: Mapped[str] = mapped_column(String(16))


class Rollup(Base):
    """Aggregates of one menu, kind and period (an hour in UTC, or an Asia/Seoul day)."""

    __tablename__ = "status_rollups"

    menu: Mapped[str] = mapped_column(String(48), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # server | rum | probe
    grain: Mapped[str] = mapped_column(String(4), primary_key=True)  # hour | day
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    timeouts: Mapped[int] = mapped_column(Integer, default=0)
    sum_ms: Mapped[float] = mapped_column(Float, default=0.0)
    hist: Mapped[list[int]] = mapped_column(JSON, default=list)  # counts per ilteo.status.HIST_BINS


class Incident(Base):
    """A period when a menu was failing: opened by the monitor or staff, closed on recovery."""

    __tablename__ = "status_incidents"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    menu: Mapped[str] = mapped_column(String(48), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cause: Mapped[str] = mapped_column(String(16))  # error_rate | probe | manual
    detail: Mapped[str] = mapped_column(Text, default="")  # what the monitor measured
    peak_error_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    public_note_ko: Mapped[str] = mapped_column(Text, default="")
    public_note_en: Mapped[str] = mapped_column(Text, default="")
    postmortem: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class UsabilityEvent(Base):
    """One step of one task attempt (``visit`` is random per attempt; no person behind it)."""

    __tablename__ = "status_usability_events"
    __table_args__ = (Index("ix_status_usability_task_at", "task", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    task: Mapped[str] = mapped_column(String(48))
    step: Mapped[str] = mapped_column(String(48))
    visit: Mapped[str] = mapped_column(String(32))


class Counter(Base):
    """A named count per Asia/Seoul day (refused beacons by reason, dropped log rows, ...)."""

    __tablename__ = "status_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
