"""Processing deadlines per category, in Asia/Seoul working days, and overdue checks.

Each category maps to the kind of request it usually is (``data/deadlines.yaml``): a 신고사건 to
the labour inspectors (근로감독관 집무규정: 25일), a 부당해고 구제신청 (노동위원회규칙: 60일,
calendar days), a 산재 요양급여 신청 (산재보험법 시행령 제21조: 7일) or a 질의민원 (민원처리법
시행령 제14조: 7일). Periods are counted as 민원 처리에 관한 법률 제19조 says: for 6 days or more,
in days, the first day included, Saturdays and public holidays (``data/holidays.yaml``, 관공서의
공휴일에 관한 규정, 2024-2027) left out. A request received on a day off starts counting on the
next working day. See ``docs/desk-routing.md``.

>>> from datetime import datetime
>>> d = deadline("unemployment_benefit", datetime(2025, 10, 1, 10, 0))
>>> d.due.isoformat(), d.working_days
('2025-10-16', 7)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import yaml

from ilteo.core.errors import InvalidInputError
from ilteo.desk.taxonomy import CATEGORIES

__all__ = [
    "SEOUL",
    "Deadline",
    "add_working_days",
    "deadline",
    "holidays",
    "is_working_day",
    "overdue",
    "working_days_between",
]

DATA = Path(__file__).parent / "data"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(name: str) -> Any:
    """A data file of this package (the C loader when PyYAML has it: the tables load in ms)."""
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506


SEOUL: Final = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class Deadline:
    """The due date of a request, the working days it allows, and the rule it comes from."""

    due: date
    working_days: int
    basis_ko: str
    reference: str  # law.go.kr link


@cache
def holidays() -> dict[date, str]:
    """관공서 public holidays (incl. substitute and designated days) from ``data/holidays.yaml``."""
    raw = _load_yaml("holidays.yaml")
    return {
        date.fromisoformat(str(day)): name
        for year in raw["holidays"].values()
        for day, name in year.items()
    }


@cache
def _years() -> tuple[int, int]:
    days = holidays()
    return min(d.year for d in days), max(d.year for d in days)


def is_working_day(day: date) -> bool:
    """Whether government offices work on ``day`` (not a Saturday, Sunday or public holiday).

    Args:
        day: A calendar date (Asia/Seoul).

    Returns:
        ``True`` on a working day.

    Raises:
        InvalidInputError: When the year is outside the holiday table (2024-2027).

    >>> is_working_day(date(2025, 10, 8)), is_working_day(date(2025, 10, 10))
    (False, True)
    """
    first, last = _years()
    if not first <= day.year <= last:
        raise InvalidInputError(f"공휴일 표는 {first}-{last}년만 있습니다 (요청: {day.year}년)")
    return day.weekday() < 5 and day not in holidays()


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day counting ``start`` itself when it is a working day (n >= 1)."""
    if n < 1:
        raise InvalidInputError("n must be at least 1")
    day, counted = start, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)


def working_days_between(start: date, end: date) -> int:
    """Working days in ``[start, end]`` (0 when ``end`` is before ``start``)."""
    n, day = 0, start
    while day <= end:
        n += is_working_day(day)
        day += timedelta(days=1)
    return n


@cache
def _rules() -> dict[str, Any]:
    raw: dict[str, Any] = _load_yaml("deadlines.yaml")
    return raw


def _local_date(received_at: datetime) -> date:
    if received_at.tzinfo is None:  # naive datetimes are Seoul wall-clock time
        return received_at.date()
    return received_at.astimezone(SEOUL).date()


def deadline(category: str, received_at: datetime) -> Deadline:
    """The due date of a request of ``category`` received at ``received_at``.

    Working-day periods (민원처리법 제19조 제2항): the day of receipt counts when it is a working
    day; Saturdays, Sundays and public holidays are skipped. Calendar periods (민법 제157조,
    제161조): the day of receipt is not counted and a period ending on a day off ends on the next
    working day.

    Args:
        category: A category code (unknown codes use ``other``).
        received_at: When the request was received; naive values are taken as Asia/Seoul.

    Returns:
        The :class:`Deadline`; ``working_days`` is the number of working days up to ``due``
        (from the day of receipt).

    >>> deadline("wage_arrears", datetime(2025, 10, 2, 9, 0)).due.isoformat()
    '2025-11-12'
    """
    rules = _rules()
    code = category if category in CATEGORIES else "other"
    kind = rules["kinds"][rules["categories"][code]]
    received = _local_date(received_at)
    days = int(kind["days"])
    if kind["counting"] == "working":
        due = add_working_days(received, days)
        return Deadline(due, days, str(kind["basis_ko"]), str(kind["reference"]))
    due = received + timedelta(days=days)
    while not is_working_day(due):
        due += timedelta(days=1)
    n = working_days_between(received, due)
    return Deadline(due, n, str(kind["basis_ko"]), str(kind["reference"]))


def overdue(due: date, today: date | None = None) -> bool:
    """Whether a request due on ``due`` is overdue on ``today`` (Asia/Seoul today by default).

    The due day itself is still on time.

    >>> due = date(2025, 10, 13)
    >>> overdue(due, date(2025, 10, 13)), overdue(due, date(2025, 10, 14))
    (False, True)
    """
    if today is None:
        today = datetime.now(SEOUL).date()
    return today > due
