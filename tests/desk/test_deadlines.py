"""Deadlines: working days in Asia/Seoul, holidays and substitute holidays, counting rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.desk.deadlines import (
    SEOUL,
    add_working_days,
    deadline,
    holidays,
    is_working_day,
    overdue,
    working_days_between,
)
from ilteo.desk.taxonomy import CATEGORIES


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2025, 11, 14))  # Friday
    assert not is_working_day(date(2025, 11, 15))  # Saturday
    assert not is_working_day(date(2025, 11, 16))  # Sunday
    assert not is_working_day(date(2025, 12, 25))
    assert is_working_day(date(2025, 5, 1))  # 근로자의 날: offices work


def test_chuseok_2025_with_its_substitute_holiday() -> None:
    week = [date(2025, 10, 3) + timedelta(days=i) for i in range(7)]  # 10-03 … 10-09
    assert not any(is_working_day(d) for d in week)
    assert holidays()[date(2025, 10, 8)].startswith("대체공휴일")
    assert is_working_day(date(2025, 10, 2))
    assert is_working_day(date(2025, 10, 10))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2024, 2, 12), "대체공휴일(설날)"),
        (date(2025, 3, 3), "대체공휴일(3·1절)"),
        (date(2025, 5, 6), "대체공휴일(어린이날·부처님오신날)"),
        (date(2026, 3, 2), "대체공휴일(3·1절)"),
        (date(2026, 5, 25), "대체공휴일(부처님오신날)"),
        (date(2026, 8, 17), "대체공휴일(광복절)"),
        (date(2026, 10, 5), "대체공휴일(개천절)"),
        (date(2027, 2, 9), "대체공휴일(설날)"),
        (date(2027, 12, 27), "대체공휴일(기독탄신일)"),
    ],
)
def test_substitute_holidays(day: date, name: str) -> None:
    assert holidays()[day] == name
    assert day.weekday() < 5


def test_no_substitute_for_new_year_and_memorial_day_or_for_chuseok_on_saturday() -> None:
    assert is_working_day(date(2026, 6, 8))  # 현충일 2026-06-06 is a Saturday
    assert is_working_day(date(2026, 9, 28))  # 추석 다음 날 2026-09-26 is a Saturday
    assert is_working_day(date(2027, 6, 7))  # 현충일 2027-06-06 is a Sunday


def test_every_listed_substitute_follows_its_holiday_on_a_day_off() -> None:
    days = holidays()
    for day, name in days.items():
        if not name.startswith("대체공휴일"):
            continue
        stem = name.removeprefix("대체공휴일(").removesuffix(")").split("·")[0]
        window = [day - timedelta(days=i) for i in range(1, 5)]
        assert not is_working_day(window[0]), day  # the day before is off too
        assert any(stem in days.get(d, "") for d in window), day


def test_deadline_across_a_weekend() -> None:
    d = deadline(
        "unemployment_benefit", datetime(2025, 11, 14, 10, 0, tzinfo=SEOUL)
    )  # Friday, 7 working days
    assert d.due == date(2025, 11, 24)
    assert d.working_days == 7
    assert working_days_between(date(2025, 11, 14), d.due) == 7


def test_deadline_across_chuseok_2025() -> None:
    d = deadline("job_seeking_support", datetime(2025, 10, 2, 15, 0, tzinfo=SEOUL))
    # 10-02 (1), 10-03 … 10-09 off, 10-10 (2), 10-13 … 10-17 (3-7)
    assert d.due == date(2025, 10, 17)
    w = deadline("wage_arrears", datetime(2025, 10, 2, 9, 0, tzinfo=SEOUL))  # 25 working days
    assert w.due == date(2025, 11, 12)
    assert "25일" in w.basis_ko


def test_request_received_on_a_holiday_starts_on_the_next_working_day() -> None:
    d = deadline("unemployment_benefit", datetime(2025, 10, 6, 11, 0, tzinfo=SEOUL))  # 추석
    assert d.due == date(2025, 10, 20)  # 10-10 (1), 10-13 … 10-17 (2-6), 10-20 (7)
    sat = deadline("industrial_accident_comp", datetime(2025, 10, 4, 9, 0, tzinfo=SEOUL))
    assert sat.due == date(2025, 10, 20)


def test_receipt_time_is_taken_in_seoul() -> None:
    late_utc = datetime(2025, 10, 2, 23, 30, tzinfo=UTC)  # 2025-10-03 08:30 in Seoul: 개천절
    assert (
        deadline("other", late_utc).due
        == deadline("other", datetime(2025, 10, 6, 9, 0, tzinfo=SEOUL)).due
    )
    naive = datetime(2025, 10, 2, 23, 30)  # noqa: DTZ001 - Seoul wall clock, still 10-02
    assert deadline("other", naive).due == date(2025, 10, 17)


def test_calendar_period_for_the_labour_commission() -> None:
    d = deadline("unfair_dismissal", datetime(2025, 10, 2, 9, 0, tzinfo=SEOUL))
    assert d.due == date(2025, 12, 1)  # day of receipt not counted: 10-02 + 60 days
    ends_saturday = deadline("unfair_dismissal", datetime(2025, 9, 30, 9, 0, tzinfo=SEOUL))
    assert ends_saturday.due == date(2025, 12, 1)  # 11-29 is a Saturday → the next working day
    assert d.working_days == working_days_between(date(2025, 10, 2), d.due)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_has_a_deadline_with_its_basis(category: str) -> None:
    d = deadline(category, datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL))
    assert d.due > date(2026, 3, 3)
    assert is_working_day(d.due)
    assert d.reference.startswith("https://www.law.go.kr/")
    assert d.basis_ko
    assert d.working_days >= 7


def test_unknown_category_uses_other() -> None:
    when = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)
    assert deadline("no_such_code", when) == deadline("other", when)


def test_years_outside_the_table_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        is_working_day(date(2030, 1, 2))
    with pytest.raises(InvalidInputError):
        add_working_days(date(2026, 1, 2), 0)


def test_overdue() -> None:
    due = date(2025, 10, 17)
    assert not overdue(due, date(2025, 10, 17))
    assert overdue(due, date(2025, 10, 18))
    assert overdue(date(2025, 10, 17))  # against today in Seoul
