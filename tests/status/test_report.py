"""The public performance report: every number checked, on SQLite and PostgreSQL.

Rollups are built with :func:`ilteo.status.logs.add_to_rollups` (as the request log does) and
incidents inserted as rows; the report must read nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from ilteo.core.db import engine_for, session_scope, upgrade
from ilteo.core.errors import NotFoundError
from ilteo.core.settings import Settings
from ilteo.status.logs import Observation, add_to_rollups
from ilteo.status.menus import public_menus
from ilteo.status.models import Incident, RequestLog
from ilteo.status.report import (
    HISTORY_DAYS,
    StatusReport,
    WindowStats,
    get_incident,
    list_incidents,
    seoul_day_start,
    status_report,
)

#: 12:30 KST on 2026-11-21 (a Saturday); the Seoul day started at 2026-11-20 15:00 UTC.
NOW = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
#: Start of the 24-hour window: the current UTC hour (03:00) and the 23 before it.
H24 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def obs(
    menu: str, at: datetime, ms: float, *, kind: str = "server", failed: bool = False, **flags: bool
) -> Observation:
    return Observation(menu=menu, kind=kind, at=at, duration_ms=ms, failed=failed, **flags)


def incident(menu: str, opened: datetime, closed: datetime | None, **extra: Any) -> Incident:
    return Incident(menu=menu, opened_at=opened, closed_at=closed, cause="error_rate", **extra)


def window(report: StatusReport, menu: str, name: str) -> WindowStats:
    found = next(m for m in report.menus if m.id == menu)
    return next(w for w in found.windows if w.window == name)


@pytest.fixture
def store(db_settings: Settings) -> Iterator[Settings]:
    upgrade(db_settings)
    return db_settings


def test_empty_store_gives_a_valid_report_of_zeros(store: Settings) -> None:
    report = status_report(store, now=NOW)
    assert report.no_data is True
    assert [m.id for m in report.menus] == [m.id for m in public_menus()]
    for menu in report.menus:
        assert menu.no_data is True
        assert menu.ongoing_incidents == []
        assert len(menu.days) == HISTORY_DAYS
        assert menu.days[-1].day == date(2026, 11, 21)
        assert menu.days[0].day == date(2026, 8, 24)
        for stats in menu.windows:
            assert (stats.requests, stats.failures, stats.failure_minutes) == (0, 0, 0)
            assert stats.server_avg_ms is None
            assert stats.rum_p95_ms is None
            assert stats.failure_rate is None
            assert stats.no_data is True
    assert report.incidents == []
    assert report.current_incidents == []
    assert [w.id for w in report.windows] == ["24h", "7d", "30d", "90d"]
    assert report.windows[0].start == H24
    assert report.windows[1].start == datetime(2026, 11, 14, 15, tzinfo=UTC)
    assert report.generated_at == NOW
    assert "5xx" in report.measures_en
    assert "10,000 ms" in report.measures_en


def test_server_and_real_user_numbers_per_window(store: Settings) -> None:
    menu = "reference-search"
    with session_scope(store) as session:
        add_to_rollups(
            session,
            [
                obs(menu, NOW - timedelta(minutes=10), 10),
                obs(menu, NOW - timedelta(minutes=10), 20),
                obs(menu, NOW - timedelta(minutes=10), 30),
                obs(menu, NOW - timedelta(hours=2), 100, failed=True),
                obs(menu, NOW - timedelta(hours=2), 12_000, failed=True, timed_out=True),
                obs(menu, NOW - timedelta(hours=25), 50),  # before the 24 h window, same week
                obs(menu, NOW - timedelta(minutes=5), 800, kind="rum", failed=False),
                obs(menu, NOW - timedelta(minutes=5), 1_200, kind="rum", failed=False),
            ],
        )
        # A raw row without its rollup: the report must not read raw rows.
        session.add(
            RequestLog(
                at=NOW - timedelta(minutes=1),
                menu=menu,
                route="GET /v1/reference/occupations",
                method="GET",
                status=500,
                duration_ms=5.0,
                bytes=10,
                client="0" * 16,
                kind="server",
                failed=True,
            )
        )
    report = status_report(store, now=NOW)
    day = window(report, menu, "24h")
    assert (day.requests, day.failures, day.timeouts) == (5, 2, 1)
    assert day.failure_rate == pytest.approx(0.4)
    assert day.server_avg_ms == pytest.approx((10 + 20 + 30 + 100 + 12_000) / 5, abs=0.1)
    assert day.server_p95_ms is not None
    assert 10_000 < day.server_p95_ms <= 15_000
    assert day.rum_avg_ms == pytest.approx(1_000)
    assert day.rum_samples == 2
    assert day.rum_p95_ms is not None
    assert 1_000 < day.rum_p95_ms <= 1_500
    week = window(report, menu, "7d")
    assert (week.requests, week.failures) == (6, 2)
    assert week.server_avg_ms == pytest.approx((12_160 + 50) / 6, abs=0.1)
    assert window(report, menu, "90d").requests == 6
    assert report.no_data is False
    other = window(report, "home", "24h")
    assert other.no_data is True
    assert other.requests == 0


def test_windows_and_bars_follow_seoul_days(store: Settings) -> None:
    menu = "home"
    times = [
        datetime(2026, 8, 23, 14, 59, tzinfo=UTC),  # 23:59 KST on 08-23: before the 90 days
        datetime(2026, 8, 23, 15, 0, tzinfo=UTC),  # 00:00 KST on 08-24: the first of the 90 days
        datetime(2026, 11, 14, 14, 59, tzinfo=UTC),  # 23:59 KST on 11-14: in 30 d, not in 7 d
        datetime(2026, 11, 14, 15, 0, tzinfo=UTC),  # 00:00 KST on 11-15: the first of 7 days
        datetime(2026, 11, 20, 14, 59, tzinfo=UTC),  # 23:59 KST on 11-20 (and in the 24 h)
        datetime(2026, 11, 20, 15, 0, tzinfo=UTC),  # 00:00 KST on 11-21: today
    ]
    with session_scope(store) as session:
        add_to_rollups(session, [obs(menu, at, 10.0 * (i + 1)) for i, at in enumerate(times)])
    report = status_report(store, now=NOW)
    counts = [window(report, menu, w).requests for w in ("24h", "7d", "30d", "90d")]
    assert counts == [2, 3, 4, 5]
    days = next(m for m in report.menus if m.id == menu).days
    by_day = {d.day: d for d in days}
    assert by_day[date(2026, 8, 24)].requests == 1
    assert by_day[date(2026, 8, 24)].server_avg_ms == pytest.approx(20)
    assert by_day[date(2026, 11, 14)].requests == 1
    assert by_day[date(2026, 11, 15)].requests == 1
    assert by_day[date(2026, 11, 20)].server_avg_ms == pytest.approx(50)
    assert by_day[date(2026, 11, 21)].server_avg_ms == pytest.approx(60)
    assert sum(d.requests for d in days) == 5
    assert by_day[date(2026, 11, 19)].no_data is True


def test_failure_minutes_are_clipped_merged_and_run_until_now(store: Settings) -> None:
    menu = "reference-search"
    with session_scope(store) as session:
        session.add_all(
            [
                incident(menu, NOW - timedelta(hours=3), NOW - timedelta(hours=2)),
                # overlaps the one above: the union is 90 minutes, not 120
                incident(menu, NOW - timedelta(minutes=150), NOW - timedelta(minutes=90)),
                incident(menu, NOW - timedelta(minutes=30), None, public_note_ko="조사 중"),
                # starts 30 minutes before the 24 h window: 15 minutes inside it
                incident(menu, H24 - timedelta(minutes=30), H24 + timedelta(minutes=15)),
                # across midnight KST (14:30-15:30 UTC on 11-20): half on each Seoul day
                incident(
                    "sign-in",
                    datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
                    datetime(2026, 11, 20, 15, 30, tzinfo=UTC),
                ),
                # a staff-only menu: never on the public report
                incident("lake-steward", NOW - timedelta(hours=1), None),
            ]
        )
    report = status_report(store, now=NOW)
    assert window(report, menu, "24h").failure_minutes == pytest.approx(90 + 30 + 15)
    assert window(report, menu, "7d").failure_minutes == pytest.approx(90 + 30 + 45)
    assert window(report, menu, "90d").failure_minutes == pytest.approx(165)
    search = next(m for m in report.menus if m.id == menu)
    assert len(search.ongoing_incidents) == 1
    assert search.days[-1].failure_minutes == pytest.approx(90 + 30)  # today since 15:00 UTC
    assert search.days[-2].failure_minutes == pytest.approx(45)  # 11-20: the one at 03:30 UTC
    sign_in = next(m for m in report.menus if m.id == "sign-in")
    assert sign_in.days[-2].failure_minutes == pytest.approx(30)
    assert sign_in.days[-1].failure_minutes == pytest.approx(30)
    assert window(report, "sign-in", "24h").failure_minutes == pytest.approx(60)
    assert {i.menu for i in report.incidents} == {menu, "sign-in"}
    assert len(report.incidents) == 5
    [current] = report.current_incidents
    assert current.ongoing
    assert current.duration_minutes == pytest.approx(30)
    assert current.public_note_ko == "조사 중"
    assert current.menu_name_ko == next(m.name_ko for m in public_menus() if m.id == menu)
    opened = [i.opened_at for i in report.incidents]
    assert opened == sorted(opened, reverse=True)


def test_incident_history_stops_at_90_days(store: Settings) -> None:
    first_day = seoul_day_start(date(2026, 8, 24))
    old_start = first_day - timedelta(days=3)
    with session_scope(store) as session:
        session.add(incident("home", old_start, old_start + timedelta(hours=1)))
        session.add(incident("home", old_start, first_day + timedelta(minutes=20)))
    report = status_report(store, now=NOW)
    assert len(report.incidents) == 1
    assert window(report, "home", "90d").failure_minutes == pytest.approx(20)
    assert len(list_incidents(store, limit=10, now=NOW)) == 2


def test_list_and_get_incidents(store: Settings) -> None:
    with session_scope(store) as session:
        rows = [
            incident("home", NOW - timedelta(hours=h), NOW - timedelta(hours=h - 1))
            for h in range(5, 0, -1)
        ]
        hidden = incident("ops", NOW - timedelta(hours=1), None)
        session.add_all([*rows, hidden])
        session.flush()
        ids = [r.id for r in rows]
        hidden_id = hidden.id
    first = list_incidents(store, limit=2, offset=0, now=NOW)
    second = list_incidents(store, limit=2, offset=2, now=NOW)
    assert [i.id for i in first + second] == list(reversed(ids))[:4]
    one = get_incident(store, ids[0], now=NOW)
    assert one.duration_minutes == pytest.approx(60)
    assert one.ongoing is False
    assert one.opened_at == NOW - timedelta(hours=5)
    with pytest.raises(NotFoundError):
        get_incident(store, hidden_id)
    with pytest.raises(NotFoundError):
        get_incident(store, 999_999)


@contextmanager
def count_queries(settings: Settings) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = engine_for(settings)

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_a_handful_of_queries_whatever_the_number_of_menus(store: Settings) -> None:
    with session_scope(store) as session:
        add_to_rollups(
            session,
            [obs(m.id, NOW - timedelta(days=d), 10) for m in public_menus() for d in range(30)],
        )
    with count_queries(store) as statements:
        report = status_report(store, now=NOW)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3
    assert all("status_requests" not in s for s in statements)
    assert all(window(report, m.id, "30d").requests == 30 for m in public_menus())
