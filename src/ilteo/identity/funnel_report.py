"""The public sign-in drop-off report: how many start and finish each path, week by week.

Design choices:

- **Counted in SQL, never row by row.** The audit table grows by tens of millions of rows a year;
  one ``GROUP BY week, path, event`` query returns at most ``weeks * paths * 2`` numbers. The
  rows are selected by ``event IN ('funnel.started', 'funnel.finished') AND at >= :start AND
  at < :end`` so an index on ``at`` (or better, one on ``(event, at)``) bounds the scan.
- **Weeks are Seoul weeks.** A week runs Monday 00:00 to the next Monday 00:00 in Asia/Seoul
  (Korea has no daylight saving, so every week is exactly 604,800 seconds). The first Monday is
  turned into a UTC instant in Python; SQL only computes ``(epoch(at) - epoch(start)) / 604800``,
  which needs one small dialect switch (``strftime('%s')`` on SQLite, ``extract(epoch)`` on
  PostgreSQL) and no time-zone support from the database. Labels are ISO weeks (``2026-W47``).
- **Small counts are never published.** A count below :data:`SMALL_COUNT_THRESHOLD` (zero
  included) is published as ``null`` with the band ``"<5"``, and a completion rate is withheld
  when either of its counts is. A period total is withheld (``null``, band ``"withheld"``) when
  subtracting its published weeks would leave 1 to 4 (or banded weeks that must all be 4): the
  banded weeks may only be revealed as zero (nobody used the path) or as adding up to 5 or more.
- **Counts are events, not people.** ``started`` is a person opening the first form of a path,
  ``finished`` is getting through it; someone who reloads the form counts twice, and someone may
  finish in a later week than they started, so a weekly rate can exceed 100%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Integer, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ilteo.core.errors import InvalidInputError
from ilteo.identity.accounts import as_utc, utcnow
from ilteo.identity.funnel import PATHS
from ilteo.identity.models import AuditEntry

SEOUL: Final = ZoneInfo("Asia/Seoul")
DEFAULT_WEEKS: Final = 12
MAX_WEEKS: Final = 104
#: Counts below this are published only as the band ``"<5"``.
SMALL_COUNT_THRESHOLD: Final = 5
SMALL_BAND: Final = "<5"
WITHHELD_BAND: Final = "withheld"
WEEK_SECONDS: Final = 7 * 24 * 3600
EVENTS: Final = ("funnel.started", "funnel.finished")

#: Korean and English names of each path (the report's labels; one per :data:`PATHS` entry).
PATH_LABELS: Final[dict[str, tuple[str, str]]] = {
    "sign_in.password": ("비밀번호로 로그인", "Sign in with a password"),
    "sign_in.passkey": ("패스키로 로그인", "Sign in with a passkey"),
    "sign_in.counter_code": ("창구에서 받은 일회용 코드로 로그인", "Sign in with a counter code"),
    "sign_in.phone": ("전화·문자 코드로 로그인", "Sign in with a phone code"),
    "sign_in.oidc": ("간편인증으로 로그인", "Sign in with a simple-authentication provider"),
    "proofing.id_card": ("창구 신분 확인: 신분증", "Proofing at the counter: ID card"),
    "proofing.social_worker_voucher": (
        "창구 신분 확인: 사회복지사 보증",
        "Proofing at the counter: social worker's voucher",
    ),
    "proofing.oidc": ("간편인증으로 신분 확인", "Proofing with a simple-authentication provider"),
    "recovery.in_person": ("창구에서 계정 되찾기", "Account recovery in person"),
    "recovery.recovery_code": ("복구 코드로 계정 되찾기", "Account recovery with a recovery code"),
}

Band = Literal["<5", "withheld"]


class FunnelCount(BaseModel):
    """Started and finished counts of one path (one week, or the whole period)."""

    path: str = Field(description="The path, e.g. `sign_in.password`.")
    label_ko: str
    label_en: str
    started: int | None = Field(description="People who opened the path; null when banded.")
    started_band: Band | None = Field(
        description="`<5` when fewer than 5 started (the count is not published); `withheld` "
        "for a period total that would reveal a small weekly count; null when `started` is set."
    )
    finished: int | None = Field(description="People who got through; null when banded.")
    finished_band: Band | None = Field(description="Like `started_band`, for `finished`.")
    completion_rate: float | None = Field(
        description="finished / started (3 decimals); null when either count is not published."
    )


class FunnelWeek(BaseModel):
    """One Seoul week (Monday to Sunday) with a count per path."""

    week: str = Field(description="ISO week label, e.g. `2026-W47`.")
    starts_on: date = Field(description="Monday (Asia/Seoul).")
    ends_on: date = Field(description="Sunday (Asia/Seoul), inclusive.")
    complete: bool = Field(description="False for the current week, which is still running.")
    paths: list[FunnelCount]


class SignInReport(BaseModel):
    """The public sign-in drop-off report over the last ``week_count`` weeks."""

    timezone: str = "Asia/Seoul"
    week_count: int
    starts_on: date
    ends_on: date
    generated_at: datetime
    small_count_threshold: int = SMALL_COUNT_THRESHOLD
    counting: str = Field(
        default="Counts are events, not distinct people: `started` is opening the first form of "
        "a path, `finished` is getting through it. Counts below 5 are published as the band `<5` "
        "(count null, rate withheld); a period total that would reveal 1 to 4 by subtracting the "
        "published weeks is `withheld`.",
    )
    totals: list[FunnelCount] = Field(description="Each path over the whole period.")
    weeks: list[FunnelWeek] = Field(description="Oldest week first; the last is the current one.")


@dataclass(frozen=True)
class _Published:
    value: int | None
    band: Band | None


def check_weeks(weeks: object) -> int:
    """Return ``weeks`` as a number of weeks in 1..:data:`MAX_WEEKS`.

    Raises:
        InvalidInputError: For anything else (text, zero, negative, too many).

    >>> check_weeks("4"), check_weeks(104)
    (4, 104)
    """
    try:
        number = int(str(weeks).strip())
    except ValueError:
        raise InvalidInputError(f"weeks must be a whole number from 1 to {MAX_WEEKS}") from None
    if not 1 <= number <= MAX_WEEKS:
        raise InvalidInputError(f"weeks must be a whole number from 1 to {MAX_WEEKS}")
    return number


def week_label(monday: date) -> str:
    """The ISO week label of the week starting on ``monday``.

    >>> week_label(date(2026, 11, 16)), week_label(date(2026, 12, 28))
    ('2026-W47', '2026-W53')
    """
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def first_monday(now: datetime, weeks: int) -> date:
    """The Seoul Monday starting the report: ``weeks - 1`` weeks before this week's Monday.

    >>> first_monday(datetime(2026, 11, 15, 15, 0, tzinfo=UTC), 1)  # Monday 00:00 in Seoul
    datetime.date(2026, 11, 16)
    >>> first_monday(datetime(2026, 11, 15, 14, 59, tzinfo=UTC), 2)
    datetime.date(2026, 11, 2)
    """
    today = now.astimezone(SEOUL).date()
    return today - timedelta(days=today.weekday(), weeks=weeks - 1)


def _seoul_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SEOUL).astimezone(UTC)


def _week_index(session: Session, start: datetime) -> ColumnElement[int]:
    """SQL for the number of whole weeks between ``start`` and each row's ``at``."""
    start_epoch = int(start.timestamp())
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps the UTC wall time as text ('2026-11-15 14:59:59.999600'); strftime('%s')
        # reads it as UTC seconds but rounds to milliseconds first, so the fraction is cut off.
        seconds = cast(func.strftime("%s", func.substr(AuditEntry.at, 1, 19)), BigInteger)
    else:
        # floor, not a cast: casting rounds, and 0.6 s before midnight would cross the boundary.
        seconds = cast(func.floor(func.extract("epoch", AuditEntry.at)), BigInteger)
    return cast((seconds - start_epoch) // WEEK_SECONDS, Integer)


def count_funnel(
    session: Session, start: datetime, weeks: int, now: datetime
) -> dict[tuple[int, str, str], int]:
    """Count funnel events per (week index, path, event) from ``start`` for ``weeks`` weeks.

    One aggregate query; the rows never leave the database. Nothing after ``now`` is counted.
    """
    end = min(start + timedelta(weeks=weeks), now + timedelta(microseconds=1))
    index = _week_index(session, start).label("week")
    path = AuditEntry.detail["path"].as_string().label("path")
    query = (
        select(index, path, AuditEntry.event, func.count())
        .where(AuditEntry.event.in_(EVENTS), AuditEntry.at >= start, AuditEntry.at < end)
        .group_by(index, path, AuditEntry.event)
    )
    counts: dict[tuple[int, str, str], int] = {}
    for week, name, event, number in session.execute(query):
        if name in PATHS and 0 <= int(week) < weeks:
            counts[int(week), str(name), str(event)] = int(number)
    return counts


def _band(count: int) -> _Published:
    if count < SMALL_COUNT_THRESHOLD:
        return _Published(None, SMALL_BAND)
    return _Published(count, None)


def _cell(path: str, started: _Published, finished: _Published) -> FunnelCount:
    rate = None
    if started.value and finished.value is not None:
        rate = round(finished.value / started.value, 3)
    label_ko, label_en = PATH_LABELS.get(path, (path, path))
    return FunnelCount(
        path=path,
        label_ko=label_ko,
        label_en=label_en,
        started=started.value,
        started_band=started.band,
        finished=finished.value,
        finished_band=finished.band,
        completion_rate=rate,
    )


def _total(weekly: list[int]) -> _Published:
    """A period total, withheld when subtracting the published weeks would reveal 1 to 4.

    The banded weeks add up to ``hidden``: a difference of 0 only says nobody used the path in
    those weeks, and one of 5 or more is no smaller than a count the report publishes anyway.

    >>> [_total(weeks).value for weeks in ([9, 7], [9, 0, 7], [9, 3, 4], [9, 3], [9, 4, 4])]
    [16, 16, 16, None, None]
    >>> _total([0, 2])
    _Published(value=None, band='<5')
    """
    banded = [count for count in weekly if count < SMALL_COUNT_THRESHOLD]
    hidden, total = sum(banded), sum(weekly)
    # 1-4 hidden is a small count itself; all banded weeks at 4 would be recovered exactly.
    revealing = 0 < hidden < SMALL_COUNT_THRESHOLD or hidden == 4 * len(banded) > 0
    if revealing and total >= SMALL_COUNT_THRESHOLD:
        return _Published(None, WITHHELD_BAND)
    return _band(total)


def sign_in_report(
    session: Session, *, weeks: object = DEFAULT_WEEKS, now: datetime | None = None
) -> SignInReport:
    """Build the drop-off report of the last ``weeks`` Seoul weeks, this week included.

    Args:
        session: A session on the operational store.
        weeks: Number of weeks, 1 to :data:`MAX_WEEKS` (text is accepted and checked).
        now: The clock (UTC); the current time when omitted.

    Raises:
        InvalidInputError: ``weeks`` is not a whole number from 1 to :data:`MAX_WEEKS`.
    """
    number = check_weeks(weeks)
    now = now or utcnow()
    monday = first_monday(now, number)
    counts = count_funnel(session, _seoul_midnight_utc(monday), number, as_utc(now))
    rows: list[FunnelWeek] = []
    for i in range(number):
        starts_on = monday + timedelta(weeks=i)
        cells = [
            _cell(
                path,
                _band(counts.get((i, path, "funnel.started"), 0)),
                _band(counts.get((i, path, "funnel.finished"), 0)),
            )
            for path in PATHS
        ]
        rows.append(
            FunnelWeek(
                week=week_label(starts_on),
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=6),
                complete=i < number - 1,
                paths=cells,
            )
        )
    totals = [
        _cell(
            path,
            _total([counts.get((i, path, "funnel.started"), 0) for i in range(number)]),
            _total([counts.get((i, path, "funnel.finished"), 0) for i in range(number)]),
        )
        for path in PATHS
    ]
    return SignInReport(
        week_count=number,
        starts_on=monday,
        ends_on=monday + timedelta(weeks=number, days=-1),
        generated_at=now,
        totals=totals,
        weeks=rows,
    )
