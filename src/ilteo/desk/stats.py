"""Public timeliness and outcome statistics of the one window, per category and per office.

Open data in the manner of the US CFPB's complaint database: what was received, answered, on
time, how long it took, and what is still open - one row per category and per office, plus the
total. Counts are SQL aggregates in the operational store (SQLite and PostgreSQL alike); the days
are **working days** (:func:`ilteo.desk.deadlines.working_days_between`, Asia/Seoul, the day of
receipt counted as the law on civil petitions counts it), computed from the answered requests'
two dates. Counts from 1 to 4 are suppressed (``None``, written ``<5``) and so are the rate and
the days computed from fewer than 5 answers (the rate also when the on-time count is hidden).
Definitions: ``docs/desk-cases.md``.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ilteo.core.errors import InvalidInputError
from ilteo.desk.models import Request

__all__ = ["SUPPRESS_BELOW", "StatRow", "Stats", "public_stats", "stats_csv", "stats_json"]

SEOUL: Final = ZoneInfo("Asia/Seoul")
#: Counts from 1 to this minus one are not published (privacy of small groups).
SUPPRESS_BELOW: Final = 5
#: Default window: the last 365 days up to ``until``.
DEFAULT_DAYS: Final = 365
#: Statuses of a request still being handled.
OPEN: Final[tuple[str, ...]] = (
    "received",
    "classified",
    "assigned",
    "in_progress",
    "waiting_citizen",
)
#: Key of the requests the triage has not classified or routed (yet).
UNCLASSIFIED: Final = "unclassified"
UNROUTED: Final = "unrouted"
_COUNTS: Final = ("received", "answered", "on_time", "open", "open_overdue", "closed")


@dataclass(frozen=True)
class StatRow:
    """One group (a category, an office or the total); counts under 5 are ``None``."""

    key: str
    label_ko: str
    label_en: str
    received: int | None
    answered: int | None
    on_time: int | None
    on_time_rate: float | None
    median_days: float | None
    p90_days: float | None
    open: int | None
    open_overdue: int | None
    closed: int | None


@dataclass(frozen=True)
class Stats:
    """The statistics of requests received from ``since`` to ``until`` (Asia/Seoul dates)."""

    since: date
    until: date
    generated_at: datetime
    by_category: list[StatRow]
    by_office: list[StatRow]
    total: StatRow
    suppressed_below: int


@dataclass
class _Group:
    received: int = 0
    answered: int = 0
    open: int = 0
    open_overdue: int = 0
    closed: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)


def _bound(day: date) -> datetime:
    """00:00 Asia/Seoul of ``day`` in UTC."""
    return datetime.combine(day, time(0), SEOUL).astimezone(UTC)


def _local(value: datetime) -> date:
    from ilteo.identity.accounts import as_utc

    return as_utc(value).astimezone(SEOUL).date()


def _quantile(values: list[int], q: float) -> float:
    """The ``q`` quantile by linear interpolation (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def _suppress(n: int) -> int | None:
    return None if 0 < n < SUPPRESS_BELOW else n


def _row(key: str, label_ko: str, label_en: str, g: _Group) -> StatRow:
    days = g.days
    enough = g.answered >= SUPPRESS_BELOW
    # the rate would give a hidden count of on-time answers back (rate x answered)
    shown_on_time = _suppress(g.on_time) is not None
    return StatRow(
        key=key,
        label_ko=label_ko,
        label_en=label_en,
        received=_suppress(g.received),
        answered=_suppress(g.answered),
        on_time=_suppress(g.on_time),
        on_time_rate=round(g.on_time / g.answered, 4) if enough and shown_on_time else None,
        median_days=_quantile(days, 0.5) if enough and days else None,
        p90_days=_quantile(days, 0.9) if enough and days else None,
        open=_suppress(g.open),
        open_overdue=_suppress(g.open_overdue),
        closed=_suppress(g.closed),
    )


def _category_labels() -> dict[str, tuple[str, str]]:
    from ilteo.desk.taxonomy import CATEGORIES

    labels = {c.code: (c.label_ko, c.label_en) for c in CATEGORIES.values()}
    labels[UNCLASSIFIED] = ("미분류", "Not yet classified")
    return labels


def _office_labels() -> dict[str, tuple[str, str]]:
    from ilteo.desk.routing import offices

    labels = {o.code: (o.name_ko, o.name_en) for group in offices().values() for o in group}
    labels[UNROUTED] = ("미배정", "Not yet routed")
    return labels


def public_stats(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
) -> Stats:
    """The public statistics of the requests received from ``since`` to ``until`` inclusive.

    Args:
        session: Open session of the operational store.
        since: First day (Asia/Seoul) of receipt; ``until`` minus 364 days by default.
        until: Last day of receipt; ``today`` by default.
        today: The day "open and overdue" is judged on (Asia/Seoul today by default).

    Returns:
        Rows per category and per office (busiest first) and the total.

    Raises:
        InvalidInputError: ``since`` after ``until``.
    """
    from ilteo.desk.deadlines import working_days_between

    today = today or datetime.now(SEOUL).date()
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise InvalidInputError("since: after until", fields=["since", "until"])
    window = and_(
        Request.received_at >= _bound(since), Request.received_at < _bound(until + timedelta(1))
    )
    is_open = Request.status.in_(OPEN)
    counts = [
        func.count().label("received"),
        func.sum(case((Request.answered_at.is_not(None), 1), else_=0)).label("answered"),
        func.sum(case((is_open, 1), else_=0)).label("open"),
        func.sum(case((and_(is_open, Request.deadline < today), 1), else_=0)).label("overdue"),
        func.sum(case((Request.status == "closed", 1), else_=0)).label("closed"),
    ]
    by: dict[str, dict[str, _Group]] = {
        "category": defaultdict(_Group),
        "office": defaultdict(_Group),
    }
    total = _Group()
    for dimension, column, missing in (
        ("category", Request.category, UNCLASSIFIED),
        ("office", Request.office_code, UNROUTED),
    ):
        for row in session.execute(select(column, *counts).where(window).group_by(column)):
            g = by[dimension][row[0] or missing]
            g.received, g.answered = int(row.received), int(row.answered or 0)
            g.open, g.open_overdue = int(row.open or 0), int(row.overdue or 0)
            g.closed = int(row.closed or 0)
            if dimension == "category":
                total.received += g.received
                total.answered += g.answered
                total.open += g.open
                total.open_overdue += g.open_overdue
                total.closed += g.closed
    answered = select(
        Request.category, Request.office_code, Request.received_at, Request.answered_at,
        Request.deadline,
    ).where(window, Request.answered_at.is_not(None))  # fmt: skip
    for category, office, received_at, answered_at, due in session.execute(answered):
        if answered_at is None:  # pragma: no cover - excluded by the query
            continue
        day = _local(answered_at)
        days = working_days_between(_local(received_at), day)
        on_time = due is not None and day <= due
        for g in (
            by["category"][category or UNCLASSIFIED],
            by["office"][office or UNROUTED],
            total,
        ):
            g.on_time += on_time
            g.days.append(days)
    cat_labels, office_labels = _category_labels(), _office_labels()

    def rows(groups: dict[str, _Group], labels: dict[str, tuple[str, str]]) -> list[StatRow]:
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1].received, kv[0]))
        return [_row(k, *labels.get(k, (k, k)), g) for k, g in ordered]

    return Stats(
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        by_category=rows(by["category"], cat_labels),
        by_office=rows(by["office"], office_labels),
        total=_row("total", "전체", "All", total),
        suppressed_below=SUPPRESS_BELOW,
    )


#: The columns of the open data, in order.
COLUMNS: Final[tuple[str, ...]] = tuple(f.name for f in fields(StatRow))


def stats_json(stats: Stats) -> dict[str, Any]:
    """The statistics as JSON-plain data (suppressed values are ``null``)."""
    return {
        "since": stats.since.isoformat(),
        "until": stats.until.isoformat(),
        "generated_at": stats.generated_at.isoformat(),
        "suppressed_below": stats.suppressed_below,
        "days": "working days, Asia/Seoul, the day of receipt counted",
        "columns": list(COLUMNS),
        "by_category": [asdict(r) for r in stats.by_category],
        "by_office": [asdict(r) for r in stats.by_office],
        "total": asdict(stats.total),
    }


def stats_csv(stats: Stats) -> str:
    """The statistics as CSV, one row per group (``group`` is category, office or total).

    A suppressed count is written ``<5``; a rate or a number of days from fewer than 5 answers
    is left empty.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", *COLUMNS, "since", "until"])
    counts = set(_COUNTS)
    for group, rows in (
        ("category", stats.by_category),
        ("office", stats.by_office),
        ("total", [stats.total]),
    ):
        for row in rows:
            values: list[Any] = []
            for name in COLUMNS:
                value = getattr(row, name)
                if value is None:
                    value = f"<{stats.suppressed_below}" if name in counts else ""
                values.append(value)
            writer.writerow([group, *values, stats.since.isoformat(), stats.until.isoformat()])
    return out.getvalue()
