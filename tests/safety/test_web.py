"""The industrial-safety pages: the public summary, the monitoring room, workplaces, inspections.

One scored home per worker: the ``monitor_lake`` home copied, its store upgraded, the risk model
trained (``min_positives=5``: the small lake has few serious cases) and every workplace scored.
Each test then gets its own copy of the store (inspections and requests are written there; the
scores stay in the shared lake). Pages are driven as a browser would: GET the page, read the
CSRF token, POST the form, follow the redirect.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.safety import room, service
from ilteo.safety.models import Inspection
from ilteo.safety.panel import SYNTHETIC_LABEL
from ilteo.web.views import safety as views

if TYPE_CHECKING:
    from tests.monitor.conftest import MonitorLake

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STAFF_PATHS = (
    "/safety/room",
    "/safety/inspections",
    "/safety/workplaces/W000000001",
)
#: A tracking number of the one window (``YYYY-MMDD-XXXXXX``).
IMMINENT = "2026-1121-AAAAAA"
HAZARD = "2026-1120-BBBBBB"


@pytest.fixture(scope="session")
def scored_home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The monitor lake's home copied, upgraded, trained on and scored (once per worker)."""
    home = tmp_path_factory.mktemp("safety-web") / "home"
    shutil.copytree(monitor_lake.settings.home, home)
    settings = monitor_lake.settings.model_copy(update={"home": home})
    upgrade(settings)
    with session_scope(settings) as session:
        service.train(settings, session, min_positives=5)
        service.score(settings, session)
    return settings


@pytest.fixture
def settings(scored_home: Settings, tmp_path: Path) -> Settings:
    """The scored home with this test's own copy of the store."""
    database = tmp_path / "ops.db"
    shutil.copy(scored_home.home / "ilteo.db", database)
    own = scored_home.model_copy(update={"database_url": f"sqlite:///{database}"})
    upgrade(own)
    return own


def app_of(settings: Settings) -> FastAPI:
    """The whole app; the safety pages are added while the lead has not registered them yet."""
    app = create_app(settings)
    if "/safety/room" not in {getattr(route, "path", None) for route in app.routes}:
        app.include_router(views.router)
    return app


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app_of(settings), headers={"Accept": "text/html"}) as client:
        yield client


def _scores(settings: Settings) -> pl.DataFrame:
    frame, _ = service.read_scores(settings)
    return frame.sort("rank")


def _csrf(page: Any) -> str:
    match = CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _session_csrf(web: TestClient, settings: Settings) -> str:
    """The CSRF token of the client's session (for a role whose pages show no form)."""
    from ilteo.identity import COOKIE_NAME
    from ilteo.identity.sessions import csrf_token

    key = settings.secret_key
    return csrf_token(key.get_secret_value() if key else "", str(web.cookies.get(COOKIE_NAME)))


def _file_request(
    settings: Settings, number: str, master_id: str, *, imminent: bool, name: str
) -> None:
    """A safety request of the one window as intake stores it (classified, routed)."""
    from ilteo.desk.models import Request as DeskRequest

    now = datetime.now(UTC)
    with session_scope(settings) as session:
        session.add(
            DeskRequest(
                id=number,
                received_at=now - timedelta(hours=2),
                channel="web",
                kind="complaint",
                text_masked="작업장 비계가 흔들립니다.",
                text_sealed="sealed",
                workplace_name=name,
                master_workplace_id=master_id,
                status="classified",
                status_at=now,
                category="safety_hazard",
                urgent=["imminent_danger"] if imminent else [],
                office_code="1000",
                route={"office_name": "서울지방고용노동청"},
                alerted_at=now if imminent else None,
            )
        )


def _queue(settings: Settings, k: int = 3) -> list[str]:
    with session_scope(settings) as session:
        chosen = service.targets(settings, k, random_share=0.0, seed=1, session=session, queue=True)
    return [str(i) for i in chosen["inspection_id"]]


def _inspection(settings: Settings, inspection_id: str) -> Inspection:
    with session_scope(settings) as session:
        found = session.get(Inspection, inspection_id)
        assert found is not None
        session.expunge_all()
    return found


# ----------------------------------------------------------------------------- roles


def test_the_view_keeps_the_library_roles() -> None:
    assert set(views.STAFF_ROLES) == set(room.STAFF_ROLES)
    assert set(views.INSPECTOR_ROLES) == set(service.INSPECTOR_ROLES)


def test_staff_pages_need_a_safety_role_and_the_summary_is_public(
    web: TestClient, settings: Settings
) -> None:
    for path in STAFF_PATHS:
        anonymous = web.get(path, follow_redirects=False)
        assert anonymous.status_code == 303, path
        assert anonymous.headers["location"].startswith("/sign-in"), path
    assert web.get("/safety").status_code == 200
    for login, roles in (("citizen1", ()), ("steward1", ("data_steward",))):
        web.cookies.clear()
        sign_in_client(web, settings, login=login, roles=roles)
        for path in STAFF_PATHS:
            refused = web.get(path)
            assert refused.status_code == 403, (login, path)
            assert "<h1" in refused.text
        assert web.get("/safety").status_code == 200
    web.cookies.clear()
    sign_in_client(web, settings, login="analyst1", roles=("analyst",))
    page = web.get("/safety/room")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'id="form-targets"' not in web.get("/safety/inspections").text  # analysts read only
    ids = _queue(settings, 1)
    token = _session_csrf(web, settings)
    refused = web.post(
        f"/safety/inspections/{ids[0]}/outcome",
        data={"csrf": token, "inspected_on": datetime.now(UTC).date().isoformat(), "findings": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert _inspection(settings, ids[0]).status == "queued"


# ----------------------------------------------------------------------------- public page


def test_the_public_page_shows_aggregates_and_never_a_workplace(
    web: TestClient, settings: Settings
) -> None:
    scores = _scores(settings)
    page = web.get("/safety?lang=en")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    html = page.text
    assert f'data-count="{scores.height}"' in html
    names = [n for n in scores["name"].drop_nulls().to_list() if len(n) >= 3]
    assert names
    assert [n for n in names if n in html] == []
    assert [m for m in scores["master_id"].to_list() if m in html] == []
    assert "/safety/workplaces/" not in html
    assert 'id="regions-table"' in html
    for code in scores["sido_code"].drop_nulls().unique().to_list():
        assert f'data-sido="{code}"' in html
    assert 'id="synthetic-note"' in html
    assert SYNTHETIC_LABEL.split(" / ")[1] in html
    with session_scope(settings) as session:
        summary = room.public_summary(settings, session)
    assert summary["model"]["version"] in html
    assert 'id="chart-reliability"' in html
    assert 'role="img"' in html
    assert "Levine" in html  # the effect's source
    small = [r for r in summary["regions"] if r["workplaces"] is None]
    if small:
        row = html.split(f'data-sido="{small[0]["sido_code"]}"', 1)[1].split("</tr>", 1)[0]
        assert "&lt;5" in row
    korean = web.get("/safety?lang=ko").text
    assert SYNTHETIC_LABEL.split(" / ")[0] in korean


def test_the_public_page_says_nothing_is_scored_yet(settings: Settings, tmp_path: Path) -> None:
    empty = settings.model_copy(update={"home": tmp_path / "empty"})
    upgrade(empty)
    with TestClient(app_of(empty), headers={"Accept": "text/html"}) as client:
        page = client.get("/safety?lang=en")
        assert page.status_code == 200
        assert 'id="not-scored"' in page.text
        assert 'id="regions-table"' not in page.text
        sign_in_client(client, empty, login="inspector1", roles=("inspector",))
        staff = client.get("/safety/room")
        assert staff.status_code == 200
        assert 'id="not-scored"' in staff.text


# ----------------------------------------------------------------------------- the room


def test_the_room_puts_unacknowledged_imminent_danger_first(
    web: TestClient, settings: Settings
) -> None:
    scores = _scores(settings)
    first, second = scores.row(0, named=True), scores.row(1, named=True)
    _file_request(settings, HAZARD, second["master_id"], imminent=False, name="가짜안전(주)")
    _file_request(settings, IMMINENT, first["master_id"], imminent=True, name="가짜위험(주)")
    with session_scope(settings) as session:
        queued = service.queue_complaint(
            session, master_workplace_id=first["master_id"], request_id=IMMINENT
        )
        queued_id = queued.id
    sign_in_client(web, settings, login="inspector1", roles=("inspector",))
    page = web.get("/safety/room")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    feed = page.text.split('id="feed-table"', 1)[1].split("</table>", 1)[0]
    assert feed.index(IMMINENT) < feed.index(HAZARD)
    assert f'href="/desk/staff/requests/{IMMINENT}"' in feed
    assert 'data-imminent="yes"' in feed
    assert queued_id in feed  # the complaint inspection queued for its workplace
    top = page.text.split('id="top-workplaces"', 1)[1].split("</ol>", 1)[0]
    assert f'href="/safety/workplaces/{first["master_id"]}"' in top
    assert "data-feature=" in top  # reasons in words
    incidents = page.text.split('id="incidents"', 1)[1]
    assert 'data-kind="imminent_danger"' in incidents
    assert 'data-follow-up="inspection_queued"' in incidents
    queue = page.text.split('id="queue-table"', 1)[1].split("</table>", 1)[0]
    assert queued_id in queue
    assert "<script" not in page.text.replace('<script src="/static/rum.js" defer></script>', "")


def test_the_room_filters_by_region_and_may_reload(web: TestClient, settings: Settings) -> None:
    scores = _scores(settings)
    code = scores["sido_code"].drop_nulls().value_counts(sort=True)["sido_code"][0]
    sign_in_client(web, settings, login="inspector1", roles=("inspector",))
    page = web.get(f"/safety/room?sido={code}&refresh=60&lang=en")
    assert page.status_code == 200
    assert page.headers["refresh"].startswith("60;")
    assert 'data-refresh="60"' in page.text
    top = page.text.split('id="top-workplaces"', 1)[1].split("</ol>", 1)[0]
    shown = re.findall(r'data-master="([^"]+)"', top)
    assert shown
    codes = dict(zip(scores["master_id"], scores["sido_code"], strict=True))
    assert {codes[m] for m in shown} == {code}
    wrong = web.get("/safety/room?sido=99&refresh=5")
    assert wrong.status_code == 422
    assert 'data-field="sido"' in wrong.text
    assert 'data-field="refresh"' in wrong.text
    assert "refresh" not in wrong.headers
    assert "refresh" not in web.get("/safety/room").headers


# ----------------------------------------------------------------------------- one workplace


def test_a_workplace_shows_its_score_reasons_history_and_inspections(
    web: TestClient, settings: Settings
) -> None:
    row = _scores(settings).row(0, named=True)
    ids = _queue(settings, 1)
    sign_in_client(web, settings, login="analyst1", roles=("analyst",))
    page = web.get(f"/safety/workplaces/{row['master_id']}?lang=en")
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1
    assert f'data-p="{row["p_serious"]}"' in html
    assert 'id="reason-list"' in html
    assert re.search(r'data-direction="(up|down)"', html)
    assert 'id="history-table"' in html
    assert f'data-inspection="{ids[0]}"' in html
    assert 'id="form-outcome-' not in html  # analysts do not record outcomes
    missing = web.get("/safety/workplaces/W999999999")
    assert missing.status_code == 404
    assert "<h1" in missing.text
    assert web.get("/safety/workplaces/<script>").status_code == 404


# ----------------------------------------------------------------------------- outcomes, targets


def test_an_inspector_records_an_outcome_through_the_form(
    web: TestClient, settings: Settings
) -> None:
    ids = _queue(settings, 2)
    master = _inspection(settings, ids[0]).master_workplace_id
    sign_in_client(web, settings, login="inspector1", roles=("inspector",))
    path = f"/safety/workplaces/{master}"
    page = web.get(path)
    assert f'id="form-outcome-{ids[0]}"' in page.text
    token = _csrf(page)
    action = f"/safety/inspections/{ids[0]}/outcome"
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    bad = web.post(
        action,
        data={"csrf": token, "inspected_on": future, "findings": "2"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert f'data-form="outcome-{ids[0]}"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert _inspection(settings, ids[0]).status == "queued"
    unread = web.post(action, data={"csrf": token, "inspected_on": "yesterday", "findings": "-1"})
    assert unread.status_code == 422
    assert _inspection(settings, ids[0]).status == "queued"
    refused = web.post(
        action,
        data={
            "csrf": "forged",
            "inspected_on": datetime.now(UTC).date().isoformat(),
            "findings": "1",
        },
    )
    assert refused.status_code == 403
    on = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    done = web.post(
        action,
        data={
            "csrf": token,
            "inspected_on": on,
            "findings": "3",
            "work_stopped": "yes",
            "note": "비계 고정 불량, 연락처 010-0000-1234",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"{path}?done=recorded")
    recorded = _inspection(settings, ids[0])
    assert (recorded.status, recorded.findings, recorded.work_stopped) == ("done", 3, True)
    assert recorded.inspected_on == date.fromisoformat(on)
    assert recorded.recorded_by is not None
    assert recorded.recorded_by.startswith("account:")
    assert "010-0000-1234" not in (recorded.outcome_note or "")
    after = web.get(done.headers["location"])
    assert 'id="result" data-done="recorded"' in after.text
    assert f'data-inspection="{ids[0]}" data-status="done"' in after.text
    again = web.post(
        action, data={"csrf": token, "inspected_on": on, "findings": "1"}, follow_redirects=False
    )
    assert again.status_code == 422  # already recorded
    done_list = web.get("/safety/inspections?status=done")
    assert f'data-inspection="{ids[0]}"' in done_list.text
    assert f'data-inspection="{ids[1]}"' not in done_list.text
    room_page = web.get("/safety/room")
    assert 'data-kind="work_stopped"' in room_page.text


def test_an_inspector_queues_targets_and_sees_the_queue(
    web: TestClient, settings: Settings
) -> None:
    sign_in_client(web, settings, login="admin1", roles=("administrator",))
    page = web.get("/safety/inspections")
    assert page.status_code == 200
    assert 'id="list-total" data-total="0"' in page.text
    token = _csrf(page)
    bad = web.post(
        "/safety/inspections/targets",
        data={"csrf": token, "k": "0", "random_share": "10"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert 'id="targets-error"' in bad.text
    bad_share = web.post(
        "/safety/inspections/targets", data={"csrf": token, "k": "5", "random_share": "150"}
    )
    assert bad_share.status_code == 422
    assert (
        web.post(
            "/safety/inspections/targets", data={"csrf": "forged", "k": "5", "random_share": "10"}
        ).status_code
        == 403
    )
    done = web.post(
        "/safety/inspections/targets",
        data={"csrf": token, "k": "12", "random_share": "25"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/safety/inspections?done=queued&n=12"
    listing = web.get(done.headers["location"])
    assert 'data-done="queued" data-n="12"' in listing.text
    assert 'id="list-total" data-total="12"' in listing.text
    rows = re.findall(r'data-inspection="([^"]+)" data-selection="(\w+)"', listing.text)
    assert len(rows) == 12
    assert {s for _, s in rows} == {"model", "random"}
    with session_scope(settings) as session:
        queued_by = {i.queued_by for i in session.query(Inspection).all()}
    assert len(queued_by) == 1
    assert next(iter(queued_by)).startswith("account:")
    room_page = web.get("/safety/room")
    assert 'id="queue-total" data-total="12"' in room_page.text
    assert (
        room_page.text.split('id="queue-table"', 1)[1]
        .split("</table>")[0]
        .count("data-inspection=")
        == views.ROOM_QUEUE
    )
    code = _inspection(settings, rows[0][0]).sido_code
    narrowed = web.get(f"/safety/inspections?sido={code}")
    assert all(
        _inspection(settings, i).sido_code == code
        for i in re.findall(r'data-inspection="([^"]+)" data-selection', narrowed.text)
    )
    assert web.get("/safety/inspections?status=nope").status_code == 422
