"""Usability logs: task funnels recorded privately, reported with banding, shown to staff only."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.identity.factories import PASSWORD, create_test_account, sign_in_client, staff_session

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity.models import Account
from ilteo.status import usability
from ilteo.status.models import UsabilityEvent
from ilteo.status.usability import (
    TASKS,
    Step,
    Task,
    cookie_name,
    new_visit,
    record_step,
    register_task,
    usability_report,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _record(settings: Settings, task: str, counts: dict[str, int], at: datetime = NOW) -> None:
    """``counts[step]`` attempts reach each step: attempt i reaches the steps it is counted in."""
    most = max(counts.values())
    visits = [new_visit() for _ in range(most)]
    with session_scope(settings) as session:
        for step, n in counts.items():
            for visit in visits[:n]:
                record_step(session, task, step, visit, now=at)


def _funnel(settings: Settings, task: str, **kwargs: object) -> usability.TaskFunnel:
    report = usability_report(settings, now=NOW, **kwargs)  # type: ignore[arg-type]
    return next(f for f in report.tasks if f.task == task)


def test_unknown_task_step_or_visit_is_refused(db_settings: Settings) -> None:
    upgrade(db_settings)
    with session_scope(db_settings) as session:
        with pytest.raises(ValueError, match="unknown usability task"):
            record_step(session, "no.such_task", "form_viewed", new_visit())
        with pytest.raises(ValueError, match="no step"):
            record_step(session, "api_key.create", "signed_in", new_visit())
        with pytest.raises(ValueError, match="32 lowercase hex"):
            record_step(session, "api_key.create", "form_viewed", "acc_0123")
        assert session.scalars(select(UsabilityEvent)).first() is None


def test_report_counts_rates_and_the_drop_off_point(db_settings: Settings) -> None:
    upgrade(db_settings)
    _record(db_settings, "api_key.create", {"form_viewed": 12, "key_created": 7})
    _record(
        db_settings,
        "sign_in.password",
        {"form_viewed": 20, "password_ok": 9, "totp_asked": 3, "signed_in": 8},
    )
    keys = _funnel(db_settings, "api_key.create")
    assert (keys.started, keys.completed, keys.completion_rate) == (12, 7, 0.583)
    assert keys.drop_off_step == "key_created"
    assert [s.lost for s in keys.steps] == [None, 5]

    sign_in = _funnel(db_settings, "sign_in.password")
    assert (sign_in.started, sign_in.completed, sign_in.completion_rate) == (20, 8, 0.4)
    assert sign_in.drop_off_step == "password_ok"  # 11 lost there, 1 before signing in
    by_step = {s.step: s for s in sign_in.steps}
    assert by_step["password_ok"].conversion == 0.45
    assert by_step["password_ok"].drop_off
    assert not by_step["signed_in"].drop_off
    # the optional TOTP branch: banded, never a drop-off, and signed_in compares to password_ok
    assert (by_step["totp_asked"].reached, by_step["totp_asked"].reached_band) == (None, "<5")
    assert by_step["totp_asked"].conversion is None
    assert by_step["signed_in"].conversion == round(8 / 9, 3)
    assert by_step["signed_in"].lost == 1


def test_small_counts_are_banded_and_hide_rates_and_the_drop_off(db_settings: Settings) -> None:
    upgrade(db_settings)
    _record(db_settings, "api_key.create", {"form_viewed": 4, "key_created": 1})
    _record(db_settings, "sign_in.password", {"form_viewed": 30, "signed_in": 2})
    _record(db_settings, "api_key.create", {"form_viewed": 50}, at=NOW - timedelta(days=40))
    keys = _funnel(db_settings, "api_key.create", days=30)  # the 50 older ones are outside
    assert (keys.started, keys.started_band, keys.completed, keys.completed_band) == (
        None,
        "<5",
        None,
        "<5",
    )
    assert keys.completion_rate is None
    assert keys.drop_off_step is None
    assert not any(s.drop_off for s in keys.steps)
    sign_in = _funnel(db_settings, "sign_in.password")
    assert sign_in.started == 30
    assert sign_in.completion_rate is None
    assert sign_in.drop_off_step is None  # password_ok (0) and signed_in (2) are banded
    assert _funnel(db_settings, "api_key.create", days=60).started == 54
    with pytest.raises(InvalidInputError):
        usability_report(db_settings, days="0", now=NOW)


def test_a_later_issue_registers_its_task(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(db_settings)
    monkeypatch.setattr(usability, "TASKS", dict(TASKS))
    desk = Task(
        "desk.request",
        "민원 신청",
        "File a request",
        "/desk/requests",
        (Step("form_viewed", "양식", "Form"), Step("submitted", "제출", "Submitted")),
    )
    register_task(desk)
    register_task(desk)  # the same definition again is harmless
    with pytest.raises(ValueError, match="already registered"):
        register_task(Task("desk.request", "x", "x", "/x", desk.steps))
    with pytest.raises(ValueError, match="optional"):
        register_task(
            Task("desk.other", "x", "x", "/x", (desk.steps[0], Step("s", "s", "s", True)))
        )
    _record(db_settings, "desk.request", {"form_viewed": 6, "submitted": 6})
    funnel = _funnel(db_settings, "desk.request")
    assert (funnel.completion_rate, funnel.drop_off_step) == (1.0, None)


# The two wired tasks, through the real app ------------------------------------------------------


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _events(settings: Settings) -> list[tuple[str, str, str]]:
    with session_scope(settings) as session:
        rows = session.execute(
            select(UsabilityEvent.task, UsabilityEvent.step, UsabilityEvent.visit).order_by(
                UsabilityEvent.id
            )
        )
        return [(str(t), str(s), str(v)) for t, s, v in rows]


def _account_ids(settings: Settings) -> set[str]:
    with session_scope(settings) as session:
        return set(session.scalars(select(Account.id)))


def test_api_key_creation_records_its_funnel(web: TestClient, settings: Settings) -> None:
    sign_in_client(web, settings, login="minji", roles=())
    page = web.get("/account/api-keys")
    cookie = page.headers["set-cookie"]
    assert cookie_name("api_key.create") in cookie
    assert "Path=/account/api-keys" in cookie
    assert "HttpOnly" in cookie
    assert "Max-Age=1800" in cookie
    again = web.get("/account/api-keys")  # a reload continues the same attempt
    made = web.post("/account/api-keys", data={"name": "laptop", "csrf": _csrf(again.text)})
    assert made.status_code == 201
    assert 'api_key_create=""' in made.headers["set-cookie"]  # deleted at the last step
    events = _events(settings)
    assert [(t, s) for t, s, _ in events] == [
        ("api_key.create", "form_viewed"),
        ("api_key.create", "form_viewed"),
        ("api_key.create", "key_created"),
    ]
    assert len({v for _, _, v in events}) == 1
    assert not {v for _, _, v in events} & _account_ids(settings)
    web.get("/account/api-keys")  # the next attempt gets a new visit
    assert len({v for _, _, v in _events(settings)}) == 2


def test_password_sign_in_records_both_branches(web: TestClient, settings: Settings) -> None:
    with session_scope(settings) as session:
        create_test_account(session, login="minji")
        _, secret = create_test_account(session, login="jiho", totp=True, at=datetime.now(UTC))
    # without TOTP: a wrong password first (no step), then the right one
    form = web.get("/sign-in")
    wrong = {"login": "minji", "password": "nope-nope", "csrf": _csrf(form.text)}
    assert web.post("/sign-in", data=wrong).status_code == 401
    right = {"login": "minji", "password": PASSWORD, "csrf": _csrf(form.text)}
    assert web.post("/sign-in", data=right, follow_redirects=False).status_code == 303
    web.cookies.clear()
    # with TOTP
    form = web.get("/sign-in")
    data = {"login": "jiho", "password": PASSWORD, "csrf": _csrf(form.text)}
    asked = web.post("/sign-in", data=data)
    pending = re.search(r'name="pending" value="([^"]+)"', asked.text)
    assert pending
    done = web.post(
        "/sign-in/totp",
        data={
            "pending": pending.group(1),
            "code": pyotp.TOTP(secret or "").now(),
            "csrf": _csrf(asked.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    events = _events(settings)
    steps = [(s, v) for _, s, v in events]
    first, second = steps[0][1], steps[3][1]
    assert steps == [
        ("form_viewed", first),
        ("password_ok", first),
        ("signed_in", first),
        ("form_viewed", second),
        ("password_ok", second),
        ("totp_asked", second),
        ("signed_in", second),
    ]
    assert first != second
    assert not {first, second} & _account_ids(settings)
    with session_scope(settings) as session:
        hours = {at.minute + at.second for at in session.scalars(select(UsabilityEvent.at))}
    assert hours == {0}  # times are cut to the hour


def test_a_step_without_a_started_attempt_records_nothing(
    web: TestClient, settings: Settings
) -> None:
    with session_scope(settings) as session:
        create_test_account(session, login="minji")
    form = web.get("/sign-in")
    web.cookies.delete(cookie_name("sign_in.password"), path="/sign-in")  # e.g. expired
    data = {"login": "minji", "password": PASSWORD, "csrf": _csrf(form.text)}
    assert web.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    assert [s for _, s, _ in _events(settings)] == ["form_viewed"]


# The staff page and the command ----------------------------------------------------------------


def test_the_staff_page_needs_an_analyst_or_administrator(
    web: TestClient, settings: Settings
) -> None:
    assert web.get("/status/usability", follow_redirects=False).status_code == 303
    sign_in_client(web, settings, login="steward", roles=("data_steward",))
    assert web.get("/status/usability").status_code == 403
    _record(settings, "sign_in.password", {"form_viewed": 20, "password_ok": 9, "signed_in": 8})
    sign_in_client(web, settings, login="analyst", roles=("analyst",))
    page = web.get("/status/usability")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    text = page.text
    assert "과업별 사용성 기록" in text
    assert "비밀번호로 로그인" in text
    assert "Sign in" in text
    row = re.search(r'<tr class="ilteo-drop-off">.*?</tr>', text, re.S)
    assert row
    assert "password_ok" in row.group(0)
    assert "이탈 최다 단계" in row.group(0)
    assert "5 미만" in text  # the API-key task has no attempts
    english = web.get("/status/usability?lang=en&days=7")
    assert "Largest drop-off" in english.text
    assert "the last 7 days" in english.text
    assert web.get("/status/usability?days=zero").status_code == 422


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(settings.home))
    env.pop("ILTEO_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "status", "usability", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_command_prints_the_report(settings: Settings) -> None:
    upgrade(settings)
    _record(settings, "api_key.create", {"form_viewed": 10, "key_created": 5}, at=datetime.now(UTC))
    result = _cli(settings, "--days", "7", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    keys = next(f for f in data["tasks"] if f["task"] == "api_key.create")
    assert (data["days"], keys["started"], keys["completion_rate"]) == (7, 10, 0.5)
    table = _cli(settings)
    assert table.returncode == 0
    assert "key_created" in table.stdout
    assert _cli(settings, "--days", "0").returncode != 0


@pytest.mark.e2e
def test_the_staff_page_passes_axe_in_chromium(
    settings: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium")
    upgrade(settings)
    now = datetime.now(UTC)
    _record(
        settings, "sign_in.password", {"form_viewed": 20, "password_ok": 9, "signed_in": 8}, now
    )
    _record(settings, "api_key.create", {"form_viewed": 3, "key_created": 1}, now)
    _, token = staff_session(settings, login="admin", roles=("administrator",))
    with serve(settings) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="ko-KR")
            page.context.add_cookies([{"name": "ilteo_session", "value": token, "url": url}])
            for path, heading in (
                ("/status/usability", "과업별 사용성 기록"),
                ("/status/usability?lang=en", "Usability logs by task"),
            ):
                page.goto(url + path)
                assert heading in page.get_by_role("heading", level=1).inner_text()
                violations = Axe().run(page).response["violations"]
                assert [v["id"] for v in violations] == [], path
            row = page.locator("tr.ilteo-drop-off")
            assert row.count() == 1
            assert "Largest drop-off" in row.inner_text()
        finally:
            browser.close()
