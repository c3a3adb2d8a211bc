"""The sign-in drop-off report counts funnel events per Seoul week, on SQLite and PostgreSQL.

Events are recorded at controlled instants across week boundaries, including the Seoul-vs-UTC
edge: Sunday 14:59 UTC is still Sunday 23:59 in Seoul, Sunday 15:00 UTC is already Monday.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.identity.accounts import record_audit
from ilteo.identity.funnel import PATHS, record_funnel
from ilteo.identity.funnel_report import PATH_LABELS, SignInReport, sign_in_report, week_label
from ilteo.identity.models import AuditEntry
from mcp import Client

#: Saturday 21 November 2026, 12:00 in Seoul: the current week is 2026-W47 (16-22 November).
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
#: Monday 16 November 2026 00:00 in Seoul.
W47_START = datetime(2026, 11, 15, 15, 0, tzinfo=UTC)


def add(settings: Settings, path: str, stage: str, at: datetime, times: int = 1) -> None:
    """Record ``times`` funnel events of ``path`` at ``at``."""
    with session_scope(settings) as session:
        for _ in range(times):
            record_funnel(session, path, stage, now=at)  # type: ignore[arg-type]  # test input


def report(settings: Settings, weeks: object = 12) -> SignInReport:
    """The report as the public sees it at :data:`NOW`."""
    with session_scope(settings) as session:
        return sign_in_report(session, weeks=weeks, now=NOW)


def cell(result: SignInReport, week: str, path: str) -> dict[str, object]:
    """One week's published numbers of ``path``."""
    (found,) = [w for w in result.weeks if w.week == week]
    (count,) = [c for c in found.paths if c.path == path]
    return count.model_dump()


@pytest.fixture
def funnel_store(db_settings: Settings) -> Settings:
    """A migrated store on SQLite or PostgreSQL."""
    upgrade(db_settings)
    return db_settings


def test_counts_fall_into_seoul_weeks(funnel_store: Settings) -> None:
    edge = W47_START
    # Sunday 23:59:59 in Seoul: week 46, though it is already the 15th in UTC.
    add(funnel_store, "sign_in.password", "started", edge - timedelta(seconds=1), times=6)
    add(funnel_store, "sign_in.password", "finished", edge - timedelta(microseconds=400), 5)
    # Monday 00:00 in Seoul (Sunday 15:00 UTC): week 47.
    add(funnel_store, "sign_in.password", "started", edge, times=8)
    add(funnel_store, "sign_in.password", "finished", edge + timedelta(days=5), times=6)
    # A path that is started a lot and rarely finished.
    add(funnel_store, "proofing.id_card", "started", edge + timedelta(hours=30), times=7)
    add(funnel_store, "proofing.id_card", "finished", edge + timedelta(hours=31), times=2)
    # Outside the window (13 weeks ago) and after now: not counted.
    add(funnel_store, "sign_in.password", "started", edge - timedelta(weeks=12), times=9)
    add(funnel_store, "sign_in.password", "started", NOW + timedelta(hours=1), times=9)
    # Other audit events are not funnel events.
    with session_scope(funnel_store) as session:
        record_audit(session, "sign_in.ok", now=edge, path="sign_in.password")

    result = report(funnel_store)
    assert result.week_count == 12
    assert [w.week for w in result.weeks][-2:] == ["2026-W46", "2026-W47"]
    assert result.weeks[0].week == "2026-W36"
    assert result.starts_on == date(2026, 8, 31)
    assert result.ends_on == date(2026, 11, 22)
    assert result.weeks[-1].complete is False
    assert result.weeks[-2].complete is True
    assert cell(result, "2026-W46", "sign_in.password") == {
        "path": "sign_in.password",
        "label_ko": "비밀번호로 로그인",
        "label_en": "Sign in with a password",
        "started": 6,
        "started_band": None,
        "finished": 5,
        "finished_band": None,
        "completion_rate": 0.833,
    }
    w47 = cell(result, "2026-W47", "sign_in.password")
    assert (w47["started"], w47["finished"], w47["completion_rate"]) == (8, 6, 0.75)
    id_card = cell(result, "2026-W47", "proofing.id_card")
    assert (id_card["started"], id_card["started_band"]) == (7, None)
    assert (id_card["finished"], id_card["finished_band"]) == (None, "<5")
    assert id_card["completion_rate"] is None

    totals = {c.path: c for c in result.totals}
    password = totals["sign_in.password"]
    # The other ten weeks are zero: subtracting reveals only that nobody used it then.
    assert (password.started, password.finished, password.completion_rate) == (14, 11, 0.786)
    assert (totals["proofing.id_card"].started, totals["proofing.id_card"].finished) == (7, None)
    assert totals["proofing.id_card"].finished_band == "<5"
    assert totals["sign_in.passkey"].started_band == "<5"
    assert [c.path for c in result.totals] == list(PATHS)


def test_totals_that_would_reveal_a_small_week_are_withheld(funnel_store: Settings) -> None:
    add(funnel_store, "sign_in.phone", "started", W47_START, times=9)
    add(funnel_store, "sign_in.phone", "started", W47_START - timedelta(weeks=2), times=3)
    add(funnel_store, "sign_in.phone", "finished", W47_START, times=6)
    result = report(funnel_store, weeks=4)
    (phone,) = [c for c in result.totals if c.path == "sign_in.phone"]
    assert (phone.started, phone.started_band) == (None, "withheld")  # 12 - 9 would give the 3
    assert (phone.finished, phone.finished_band, phone.completion_rate) == (6, None, None)
    assert "12" not in phone.model_dump_json()
    assert cell(result, "2026-W45", "sign_in.phone")["started_band"] == "<5"


def test_totals_are_published_when_every_week_is(funnel_store: Settings) -> None:
    for i in range(2):
        add(funnel_store, "sign_in.passkey", "started", W47_START - timedelta(weeks=i), 10)
        add(funnel_store, "sign_in.passkey", "finished", W47_START - timedelta(weeks=i), 9)
    result = report(funnel_store, weeks=2)
    (passkey,) = [c for c in result.totals if c.path == "sign_in.passkey"]
    assert (passkey.started, passkey.finished, passkey.completion_rate) == (20, 18, 0.9)
    assert [w.week for w in result.weeks] == ["2026-W46", "2026-W47"]


def test_small_counts_are_banded_never_published(funnel_store: Settings) -> None:
    add(funnel_store, "recovery.in_person", "started", W47_START + timedelta(hours=1), times=4)
    add(funnel_store, "recovery.in_person", "finished", W47_START + timedelta(hours=2), times=1)
    result = report(funnel_store, weeks="1")
    small = cell(result, "2026-W47", "recovery.in_person")
    assert small["started"] is None
    assert small["started_band"] == "<5"
    assert small["finished"] is None
    assert small["finished_band"] == "<5"
    assert small["completion_rate"] is None
    # Nothing in the published report carries the 4 or the 1.
    body = result.model_dump_json()
    assert '"started":4' not in body
    assert '"finished":1' not in body


def test_aggregation_happens_in_sql(funnel_store: Settings) -> None:
    add(funnel_store, "sign_in.oidc", "started", W47_START, times=30)
    with session_scope(funnel_store) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 30
    assert cell(report(funnel_store, 1), "2026-W47", "sign_in.oidc")["started"] == 30


@pytest.mark.parametrize("weeks", ["0", "-1", "105", "abc", "", "1.5", 0, 105, None])
def test_bad_weeks_are_refused(store: Settings, weeks: object) -> None:
    with session_scope(store) as session, pytest.raises(InvalidInputError, match="1 to 104"):
        sign_in_report(session, weeks=weeks, now=NOW)


def test_every_path_has_labels() -> None:
    assert set(PATH_LABELS) >= set(PATHS)


# --- the doors: JSON API, MCP tool, page ---------------------------------------------------


def _this_week(settings: Settings) -> None:
    """Six starts and two finishes of a counter-code sign-in, just now."""
    now = datetime.now(UTC)
    add(settings, "sign_in.counter_code", "started", now, times=6)
    add(settings, "sign_in.counter_code", "finished", now, times=2)


def _current(body: dict[str, Any], path: str) -> dict[str, Any]:
    (found,) = [c for c in body["weeks"][-1]["paths"] if c["path"] == path]
    return found


def test_api_publishes_the_report(store: Settings) -> None:
    _this_week(store)
    with TestClient(create_app(store)) as client:
        response = client.get("/v1/identity/sign-in-report", params={"weeks": 3})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    body = response.json()
    assert body["week_count"] == 3
    assert len(body["weeks"]) == 3
    assert body["weeks"][-1]["week"] == week_label(
        date.fromisoformat(body["weeks"][-1]["starts_on"])
    )
    code = _current(body, "sign_in.counter_code")
    assert (code["started"], code["started_band"]) == (6, None)
    assert (code["finished"], code["finished_band"], code["completion_rate"]) == (None, "<5", None)


def test_api_default_is_twelve_weeks(store: Settings) -> None:
    with TestClient(create_app(store)) as client:
        body = client.get("/v1/identity/sign-in-report").json()
    assert body["week_count"] == 12
    assert len(body["weeks"]) == 12


@pytest.mark.parametrize("weeks", ["0", "105", "abc", "-3", "2.5"])
def test_api_refuses_bad_weeks_as_problem(store: Settings, weeks: str) -> None:
    with TestClient(create_app(store)) as client:
        response = client.get("/v1/identity/sign-in-report", params={"weeks": weeks})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "https://ilteo.kr/problems/invalid-input"


def test_page_shows_the_report(store: Settings) -> None:
    _this_week(store)
    with TestClient(create_app(store), headers={"Accept": "text/html"}) as client:
        page = client.get("/sign-in/report", params={"weeks": 2})
        english = client.get("/sign-in/report", params={"lang": "en"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "public, max-age=300"
    html = page.text
    assert "로그인 이용 현황" in html
    assert "<caption>" in html
    assert "5 미만" in html  # the two finishes
    assert "창구에서 받은 일회용 코드로 로그인" in html
    assert 'href="/v1/identity/sign-in-report?weeks=2"' in html
    assert "style=" not in html  # CSP: no inline style
    # No script of its own: only the real-user timing beacon every page loads (no inline code).
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/rum.js" defer>']
    assert "How people sign in" in english.text
    assert english.headers["cache-control"] == "private, max-age=300"  # it sets the lang cookie
    assert page.headers["vary"] == "Cookie"
    assert "fewer than 5" in english.text


def test_page_bars_are_meters(store: Settings) -> None:
    now = datetime.now(UTC)
    add(store, "sign_in.passkey", "started", now, times=8)
    add(store, "sign_in.passkey", "finished", now, times=6)
    with TestClient(create_app(store), headers={"Accept": "text/html"}) as client:
        html = client.get("/sign-in/report", params={"weeks": 1}).text
    assert '<meter min="0" max="1" value="0.75" aria-label="패스키로 로그인 완료율 75%">' in html
    # No bar where the rate is not published.
    assert html.count("<meter") == 1


@pytest.mark.parametrize("weeks", ["0", "105", "abc", "", "-1"])
def test_page_refuses_bad_weeks_clearly(store: Settings, weeks: str) -> None:
    with TestClient(create_app(store), headers={"Accept": "text/html"}) as client:
        page = client.get("/sign-in/report", params={"weeks": weeks})
    assert page.status_code == 422
    assert "기간은 1부터 104까지의 정수로 입력해 주세요." in page.text
    assert 'aria-invalid="true"' in page.text
    assert "<caption>" not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_sign_in_page_links_to_the_report(store: Settings) -> None:
    with TestClient(create_app(store), headers={"Accept": "text/html"}) as client:
        assert 'href="/sign-in/report"' in client.get("/sign-in").text


def test_mcp_tool_gives_the_same_report(
    store: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> None:
    _this_week(store)

    async def scenario(client: Client) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        tool = tools["get_sign_in_report"]
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.input_schema["properties"]["weeks"]["description"]
        assert "<5" in (tool.description or "")

        result = await client.call_tool("get_sign_in_report", {"weeks": 2})
        assert not result.is_error
        body = result.structured_content
        assert body is not None
        assert body["week_count"] == 2
        code = _current(body, "sign_in.counter_code")
        assert (code["started"], code["finished"], code["finished_band"]) == (6, None, "<5")

        bad = await client.call_tool("get_sign_in_report", {"weeks": 500})
        assert bad.is_error
        assert "weeks" in "".join(getattr(part, "text", "") for part in bad.content)

    from tests.api.test_api_key_auth import make_key
    from tests.mcp.test_mcp_auth import over_http

    _, token = make_key(store, "report-reader")  # every MCP call needs a key (identity:read)
    with serve(store) as url:
        over_http(url, token, scenario)
