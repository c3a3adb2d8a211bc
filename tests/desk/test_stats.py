"""Public statistics: counts by category and office, working days, on time, small counts hidden."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk.deadlines import SEOUL, working_days_between
from ilteo.desk.intake import set_status, submit
from ilteo.desk.models import Request
from ilteo.desk.stats import SUPPRESS_BELOW, StatRow, public_stats, stats_csv, stats_json

NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul
WAGES = "서울 강남구 테헤란로의 (주)가온물류에서 석 달째 월급을 못 받았습니다. 임금체불 신고합니다."
LEAVE = "육아휴직 급여는 언제 어디서 신청하나요? 회사에 말하기 전에 알고 싶어요."


@pytest.fixture
def settings(desk_settings: Settings, db_settings: Settings, tmp_path: Path) -> Settings:
    """The shared desk home (the classifier trained once) with this test's own store.

    The store is a fresh SQLite file, or a fresh PostgreSQL database for the ``postgres`` run.
    """
    url = db_settings.database_url or f"sqlite:///{tmp_path / 'ops.db'}"
    own = desk_settings.model_copy(update={"database_url": url})
    upgrade(own)
    return own


def _at(day: date) -> datetime:
    """10:00 Asia/Seoul on ``day``."""
    return datetime.combine(day, time(10), SEOUL).astimezone(UTC)


def _answer(settings: Settings, number: str, day: date) -> None:
    with session_scope(settings) as session:
        set_status(session, number, "answered", reason="답변 발송", actor="account:x", now=_at(day))
        row = session.get(Request, number)
        assert row is not None
        row.answered_at = _at(day)


def _row(rows: list[StatRow], key: str) -> StatRow:
    return next(r for r in rows if r.key == key)


def test_public_statistics_count_by_category_and_office(settings: Settings) -> None:
    received = NOW.astimezone(SEOUL).date()
    wages = [submit(settings, text=WAGES, channel="web", now=NOW).tracking_number for _ in range(7)]
    for _ in range(2):
        submit(settings, text=LEAVE, channel="api", now=NOW)
    submit(settings, text=WAGES, channel="web", now=NOW - timedelta(days=40))  # before the window
    with session_scope(settings) as session:
        first = session.get(Request, wages[0])
        assert first is not None
        assert first.category == "wage_arrears"
        assert first.office_code is not None
        due, office = first.deadline, first.office_code
        assert due is not None
    # answered after 1 to 5 working days (Tue to Fri, then Monday), one the day after the deadline
    late = due + timedelta(days=1)
    answered_on = [received + timedelta(days=i) for i in (0, 1, 2, 3, 6)]
    for number, day in zip(wages, answered_on, strict=False):
        _answer(settings, number, day)
    _answer(settings, wages[5], late)
    with session_scope(settings) as session:
        set_status(session, wages[0], "closed", reason="종결", actor="account:x", now=_at(late))
        stats = public_stats(
            session, since=date(2026, 3, 1), until=date(2026, 3, 31), today=received
        )
        later = public_stats(session, since=date(2026, 3, 1), until=date(2026, 3, 31),
                             today=due + timedelta(days=30))  # fmt: skip
        everything = public_stats(session, since=date(2026, 1, 1), until=date(2026, 3, 31))
    wage = _row(stats.by_category, "wage_arrears")
    days = [1, 2, 3, 4, 5, working_days_between(received, late)]
    assert (wage.label_ko, wage.label_en) == ("임금체불", "Unpaid wages")
    assert (wage.received, wage.answered, wage.on_time) == (7, 6, 5)
    assert wage.on_time_rate == round(5 / 6, 4)
    assert wage.median_days == 3.5
    assert wage.p90_days == pytest.approx(5 + (days[5] - 5) * 0.5)
    assert wage.closed is None  # one closed: under 5, not published
    assert wage.open is None  # one open
    # two requests only: every count is hidden, the rate and days too; a zero stays a zero
    parental = _row(stats.by_category, "parental_leave")
    assert (parental.received, parental.open, parental.answered) == (None, None, 0)
    assert (parental.on_time_rate, parental.median_days) == (None, None)
    assert stats.total.received == 9
    assert stats.total.answered == 6
    assert stats.total.open_overdue == 0  # on the day of receipt nothing is late yet
    assert later.total.open_overdue is None  # three late: under 5
    assert everything.total.received == 10  # the one received in January counts there
    labour = _row(stats.by_office, office)
    assert labour.label_ko.endswith(("지청", "지방고용노동청"))
    assert (labour.received, labour.answered) == (7, 6)
    assert stats.suppressed_below == SUPPRESS_BELOW == 5
    assert stats.by_category[0].key == "wage_arrears"  # busiest first

    data = stats_json(stats)
    assert data["since"] == "2026-03-01"
    assert data["total"]["received"] == 9
    assert next(r for r in data["by_category"] if r["key"] == "parental_leave")["received"] is None
    table = list(csv.DictReader(io.StringIO(stats_csv(stats))))
    assert {r["group"] for r in table} == {"category", "office", "total"}
    parental_csv = next(r for r in table if r["key"] == "parental_leave")
    assert (parental_csv["received"], parental_csv["answered"]) == ("<5", "0")
    assert parental_csv["on_time_rate"] == ""
    wage_csv = next(r for r in table if r["key"] == "wage_arrears")
    assert (wage_csv["received"], wage_csv["on_time"], wage_csv["closed"]) == ("7", "5", "<5")


def test_an_empty_window_and_a_reversed_one(settings: Settings) -> None:
    with session_scope(settings) as session:
        stats = public_stats(session, until=date(2026, 3, 31), today=date(2026, 3, 31))
        assert stats.since == date(2025, 4, 1)  # a year by default
        assert (stats.by_category, stats.by_office) == ([], [])
        assert stats.total.received == 0
        assert stats.total.on_time_rate is None
        with pytest.raises(InvalidInputError):
            public_stats(session, since=date(2026, 4, 1), until=date(2026, 3, 1))
    assert stats_csv(stats).splitlines()[0].startswith("group,key,label_ko,label_en,received")


def test_a_rate_never_gives_a_hidden_count_back() -> None:
    from ilteo.desk.stats import _Group, _row

    four_of_five = _row("k", "ko", "en", _Group(received=5, answered=5, on_time=4, days=[1] * 5))
    shown = (four_of_five.answered, four_of_five.on_time, four_of_five.on_time_rate)
    assert shown == (5, None, None)
    assert four_of_five.median_days == 1.0  # days come from five answers: shown
    all_late = _row("k", "ko", "en", _Group(received=5, answered=5, on_time=0, days=[9] * 5))
    assert (all_late.on_time, all_late.on_time_rate) == (0, 0.0)
