"""Incidents: opened from error rates and probes, closed on recovery, notes, failure minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.identity.models import AuditEntry
from ilteo.status.incidents import (
    as_utc,
    close_incident,
    evaluate,
    failure_minutes,
    open_incident,
    update_notes,
)
from ilteo.status.logs import record_requests
from ilteo.status.models import Incident

T0 = datetime(2026, 11, 21, 3, 0, 0, tzinfo=UTC)
MENU = "reference-search"


@pytest.fixture
def store(db_settings: Settings) -> Settings:
    """A migrated store with the default thresholds (5 %, 20 requests, 5 min, 3 x 30 s)."""
    settings = db_settings.model_copy(
        update={
            "status_error_rate_threshold": 0.05,
            "status_min_requests": 20,
            "status_window_minutes": 5,
            "status_check_seconds": 30.0,
            "status_probe_seconds": 60.0,
            "status_recovery_checks": 3,
        }
    )
    upgrade(settings)
    return settings


def add_rows(
    settings: Settings,
    start: datetime,
    count: int,
    *,
    failed: int | None = None,
    step: float = 5.0,
    menu: str = MENU,
    kind: str = "server",
) -> None:
    """``count`` rows ``step`` s apart from ``start``; the first ``failed`` (default all) fail."""
    failed = count if failed is None else failed
    rows = [
        {
            "at": start + timedelta(seconds=i * step),
            "menu": menu,
            "route": "/v1/reference/occupations",
            "method": "GET",
            "status": 503 if i < failed else 200,
            "duration_ms": 12.0,
            "bytes": 100,
            "client": kind,
            "kind": kind,
            "failed": i < failed,
        }
        for i in range(count)
    ]
    with session_scope(settings) as session:
        record_requests(session, rows)


def incidents(settings: Settings) -> list[Incident]:
    with session_scope(settings) as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_error_rate_over_threshold_opens_an_incident(store: Settings) -> None:
    add_rows(store, T0, 30, failed=0)
    add_rows(store, T0 + timedelta(seconds=2), 10)  # 10 of 40 fail, the first at T0 + 2 s
    changes = evaluate(store, now=T0 + timedelta(minutes=3))
    assert [(c.change, c.menu, c.cause) for c in changes] == [("opened", MENU, "error_rate")]
    (incident,) = incidents(store)
    assert incident.closed_at is None
    assert as_utc(incident.opened_at) == T0 + timedelta(seconds=2)  # the first failure
    assert incident.peak_error_rate == pytest.approx(0.25)
    assert "10 of 40 requests failed" in incident.detail
    assert "40건 중 10건" in incident.detail


def test_too_few_requests_or_a_rate_below_the_threshold_opens_nothing(store: Settings) -> None:
    add_rows(store, T0, 19)  # every request failed, but fewer than 20
    add_rows(store, T0, 100, failed=4, step=1.0, menu="reference-detail")  # 4 % < 5 %
    assert evaluate(store, now=T0 + timedelta(minutes=2)) == []
    add_rows(store, T0 + timedelta(seconds=1), 1, menu="reference-detail")  # 5 of 101 ≈ 4.95 %
    assert evaluate(store, now=T0 + timedelta(minutes=2)) == []
    add_rows(store, T0 + timedelta(seconds=2), 1)  # 20 requests, all failed
    add_rows(store, T0 + timedelta(seconds=3), 1, menu="reference-detail")  # 6 of 102 ≈ 5.9 %
    opened = evaluate(store, now=T0 + timedelta(minutes=2))
    assert sorted(c.menu for c in opened) == ["reference-detail", MENU]


def test_rows_outside_the_window_do_not_count(store: Settings) -> None:
    add_rows(store, T0, 40)
    assert evaluate(store, now=T0 + timedelta(minutes=9)) == []  # rows end at T0 + 195 s


def test_two_failed_probes_in_a_row_open_an_incident(store: Settings) -> None:
    add_rows(store, T0, 1, kind="probe", failed=0)
    add_rows(store, T0 + timedelta(seconds=60), 1, kind="probe")
    assert evaluate(store, now=T0 + timedelta(seconds=61)) == []  # one failed probe is not enough
    add_rows(store, T0 + timedelta(seconds=120), 1, kind="probe")
    (change,) = evaluate(store, now=T0 + timedelta(seconds=121))
    assert (change.change, change.cause) == ("opened", "probe")
    assert change.opened_at == T0 + timedelta(seconds=60)  # the first failed probe
    assert "2 synthetic probes failed" in change.why


def test_a_ten_minute_failure_gives_a_ten_minute_incident(store: Settings) -> None:
    """Every request fails for 10 minutes, then all succeed; the monitor checks every 30 s."""
    fault_start = T0 + timedelta(seconds=1)
    add_rows(store, fault_start, 120)  # 10 min of failures, every 5 s
    add_rows(store, fault_start + timedelta(minutes=10), 120, failed=0)  # 10 min of success
    opened_at_check = closed_at_check = None
    for check in range(40):
        now = T0 + timedelta(seconds=30 * check)
        for change in evaluate(store, now=now):
            if change.change == "opened":
                opened_at_check = now
            else:
                closed_at_check = now
    (incident,) = incidents(store)
    assert incident.closed_at is not None
    duration = as_utc(incident.closed_at) - as_utc(incident.opened_at)
    assert abs(duration - timedelta(minutes=10)) <= timedelta(seconds=30)
    assert as_utc(incident.opened_at) == fault_start
    assert as_utc(incident.closed_at) == fault_start + timedelta(minutes=10)  # first success
    # Detection needs 20 failed requests (100 s); closing needs a clean recovery period (90 s).
    assert opened_at_check == T0 + timedelta(seconds=120)
    assert closed_at_check is not None
    assert closed_at_check - (fault_start + timedelta(minutes=10)) <= timedelta(seconds=120)
    assert evaluate(store, now=closed_at_check + timedelta(seconds=30)) == []  # not reopened


def test_a_failing_last_probe_keeps_the_incident_open(store: Settings) -> None:
    add_rows(store, T0, 30)
    assert evaluate(store, now=T0 + timedelta(minutes=3))[0].change == "opened"
    add_rows(store, T0 + timedelta(minutes=5), 30, failed=0)  # traffic recovered
    add_rows(store, T0 + timedelta(minutes=7), 1, kind="probe")  # ... but the probe fails
    assert evaluate(store, now=T0 + timedelta(minutes=7, seconds=30)) == []
    add_rows(store, T0 + timedelta(minutes=8), 1, kind="probe", failed=0)
    (closed,) = evaluate(store, now=T0 + timedelta(minutes=8, seconds=30))
    assert closed.change == "closed"
    assert closed.closed_at == T0 + timedelta(minutes=7, seconds=5)  # 1st success after it


def test_one_incident_per_menu_and_evaluations_agree(store: Settings) -> None:
    add_rows(store, T0, 40)
    now = T0 + timedelta(minutes=4)
    results: list[int] = []

    def run() -> None:
        results.append(len(evaluate(store, now=now)))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]  # serialised: one opened it, the others saw it
    assert evaluate(store, now=now + timedelta(seconds=30)) == []  # a "restart" agrees
    assert len(incidents(store)) == 1
    with session_scope(store) as session, pytest.raises(InvalidInputError):
        open_incident(session, MENU, by=None, note_ko="또", note_en="", now=now)


def test_manual_incidents_are_audited_and_not_closed_by_the_monitor(store: Settings) -> None:
    with session_scope(store) as session:
        opened = open_incident(
            session, "sign-in", by="acct1", note_ko="점검 중", note_en="Maintenance", now=T0
        )
        incident_id = opened.id
    assert evaluate(store, now=T0 + timedelta(hours=1)) == []  # staff close manual incidents
    with session_scope(store) as session:
        noted = update_notes(
            session,
            incident_id,
            public_note_ko="원인: 설정 오류",
            public_note_en=None,
            postmortem="Root cause: a bad setting.",
            by="acct1",
            now=T0 + timedelta(minutes=5),
        )
        assert noted.public_note_en == "Maintenance"  # None keeps a field
        closed = close_incident(session, incident_id, by="acct1", now=T0 + timedelta(minutes=30))
        assert as_utc(closed.closed_at or T0) == T0 + timedelta(minutes=30)
    with session_scope(store) as session:
        events = list(
            session.execute(select(AuditEntry.event, AuditEntry.account_id).order_by(AuditEntry.id))
        )
        stored = session.get(Incident, incident_id)
        assert stored is not None
        assert stored.updated_by == "acct1"
        assert stored.postmortem == "Root cause: a bad setting."
    assert [tuple(e) for e in events] == [
        ("status.incident_opened", "acct1"),
        ("status.incident_noted", "acct1"),
        ("status.incident_closed", "acct1"),
    ]


def test_staff_functions_refuse_bad_ids_and_input(store: Settings) -> None:
    with session_scope(store) as session:
        with pytest.raises(NotFoundError):
            open_incident(session, "no-such-menu", by=None, note_ko="x", note_en="", now=T0)
        with pytest.raises(InvalidInputError):
            open_incident(session, MENU, by=None, note_ko="  ", note_en="", now=T0)
        with pytest.raises(InvalidInputError):
            open_incident(session, MENU, by=None, note_ko="가" * 4001, note_en="", now=T0)
        with pytest.raises(NotFoundError):
            close_incident(session, 999, by=None, now=T0)
        with pytest.raises(NotFoundError):
            update_notes(session, 999, public_note_ko="x", by=None, now=T0)
        ok = open_incident(session, MENU, by=None, note_ko="", note_en="down", now=T0)
        with pytest.raises(InvalidInputError):
            update_notes(session, ok.id, public_note_en="x" * 4001, by=None, now=T0)
        close_incident(session, ok.id, by=None, now=T0)
        with pytest.raises(InvalidInputError):
            close_incident(session, ok.id, by=None, now=T0)
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 1


@dataclass
class Period:
    opened_at: datetime
    closed_at: datetime | None


def test_failure_minutes_clips_merges_and_counts_open_incidents_to_the_end() -> None:
    start, end = T0, T0 + timedelta(hours=24)
    periods = [
        Period(T0 - timedelta(minutes=30), T0 + timedelta(minutes=10)),  # 10 min inside
        Period(T0 + timedelta(hours=1), T0 + timedelta(hours=1, minutes=20)),  # 20 min
        Period(T0 + timedelta(hours=1, minutes=10), T0 + timedelta(hours=1, minutes=30)),  # +10
        Period(T0 + timedelta(hours=23, minutes=45), None),  # open: 15 min to the end
        Period(T0 - timedelta(hours=2), T0 - timedelta(hours=1)),  # before: nothing
        Period(end + timedelta(minutes=1), None),  # after: nothing
    ]
    assert failure_minutes(periods, start, end) == pytest.approx(55.0)
    assert failure_minutes([], start, end) == 0.0
    naive_start = T0.replace(tzinfo=None)  # SQLite returns naive UTC datetimes
    naive = [Period(naive_start, naive_start + timedelta(minutes=6))]
    assert failure_minutes(naive, start, end) == pytest.approx(6.0)


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(home))
    env.pop("ILTEO_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "status", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_command_line_opens_notes_lists_and_closes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    upgrade(Settings(env="dev", home=home))
    opened = _cli("open", "home", "--ko", "점검 중", "--json", home=home)
    assert opened.returncode == 0, opened.stderr
    incident_id = str(json.loads(opened.stdout)["id"])
    postmortem = tmp_path / "pm.md"
    postmortem.write_text("원인: 계획된 점검", encoding="utf-8")
    noted = _cli(
        "note", incident_id, "--en", "Maintenance", "--postmortem-file", str(postmortem),
        "--json", home=home,
    )  # fmt: skip
    assert json.loads(noted.stdout)["postmortem"] == "원인: 계획된 점검"
    listed = json.loads(_cli("incidents", "--open", "--json", home=home).stdout)
    assert [(i["menu"], i["public_note_en"]) for i in listed] == [("home", "Maintenance")]
    assert json.loads(_cli("check", "--json", home=home).stdout) == []
    assert json.loads(_cli("close", incident_id, "--json", home=home).stdout)["closed_at"]
    assert json.loads(_cli("incidents", "--open", "--json", home=home).stdout) == []
    assert _cli("close", "999", home=home).returncode == 1  # not found
    assert _cli("open", "home", home=home).returncode == 2  # no note: invalid input
