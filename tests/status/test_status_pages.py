"""The public status page and its twins: HTML, JSON, Atom, CSV; no login; Korean and English."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.accounts import utcnow
from ilteo.status.logs import Observation, add_to_rollups
from ilteo.status.menus import public_menus
from ilteo.status.models import Incident
from ilteo.status.report import SEOUL, clear_cache
from ilteo.status.report_routes import CSV_COLUMNS

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    upgrade(settings)
    clear_cache()
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    clear_cache()


@pytest.fixture
def incidents(settings: Settings, client: TestClient) -> list[int]:
    """A resolved incident with notes and a post-mortem, an ongoing one, and a staff-only one."""
    now = utcnow()
    with session_scope(settings) as session:
        add_to_rollups(
            session,
            [
                Observation("reference-search", "server", now, 40.0, failed=False),
                Observation("reference-search", "server", now, 60.0, failed=True),
            ],
        )
        resolved = Incident(
            menu="reference-search",
            opened_at=now - timedelta(hours=5),
            closed_at=now - timedelta(hours=4, minutes=35),
            cause="probe",
            detail="3 probes failed",
            public_note_ko="검색 색인을 다시 만드는 동안 응답이 없었습니다.",
            public_note_en="Search did not answer while its index was rebuilt.",
            postmortem="Root cause: a rebuild locked the index.\n\nFix: rebuild aside, then swap.",
        )
        ongoing = Incident(
            menu="sign-in", opened_at=now - timedelta(minutes=12), cause="error_rate"
        )
        hidden = Incident(menu="lake-steward", opened_at=now - timedelta(hours=1), cause="manual")
        session.add_all([resolved, ongoing, hidden])
        session.flush()
        return [resolved.id, ongoing.id, hidden.id]


def test_the_page_needs_no_login_and_speaks_korean_then_english(
    client: TestClient, incidents: list[int]
) -> None:
    resolved, ongoing, hidden = incidents
    response = client.get("/status")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=30"
    html = response.text
    assert '<html lang="ko">' in html
    assert "<h1" in html
    assert "서비스 현황" in html
    for menu in public_menus():
        assert menu.name_ko in html
        assert menu.name_en in html
    assert '<span lang="en" class="status-other-name">Occupation and industry search</span>' in html
    assert 'id="current-incidents"' in html
    assert f'href="/status/incidents/{ongoing}"' in html
    assert f'href="/status/incidents/{resolved}"' in html
    assert f'href="/status/incidents/{hidden}"' not in html
    # no script of its own: only the real-user timing beacon every page carries
    assert re.findall(r"<script[^>]*>", html) in ([], ['<script src="/static/rum.js" defer>'])
    assert 'href="/static/status.css"' in html
    for link in ("/v1/status", "/status/incidents.atom", "/status/open-data.csv"):
        assert f'href="{link}"' in html
    assert 'role="img"' in html
    assert "<title>" in html
    assert "<details" in html
    assert "요청 2건, 장애 1건" in html  # today's bar of reference-search

    english = client.get("/status?lang=en").text
    assert '<html lang="en">' in english
    assert "Service status" in english
    assert "Real-user time" in english
    assert "failing right now" in english


def test_status_json_with_etag(client: TestClient, incidents: list[int]) -> None:
    response = client.get("/v1/status")
    assert response.status_code == 200
    body = response.json()
    assert response.headers["cache-control"] == "public, max-age=30"
    assert [m["id"] for m in body["menus"]] == [m.id for m in public_menus()]
    search = next(m for m in body["menus"] if m["id"] == "reference-search")
    day = next(w for w in search["windows"] if w["window"] == "24h")
    assert (day["requests"], day["failures"], day["server_avg_ms"]) == (2, 1, 50.0)
    assert len(search["days"]) == 90
    assert [i["id"] for i in body["current_incidents"]] == [incidents[1]]
    assert {w["id"] for w in body["windows"]} == {"24h", "7d", "30d", "90d"}
    etag = response.headers["etag"]
    again = client.get("/v1/status", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag


def test_incidents_api_pages_and_404(client: TestClient, incidents: list[int]) -> None:
    resolved, ongoing, hidden = incidents
    first = client.get("/v1/status/incidents", params={"limit": 1})
    assert first.status_code == 200
    page = first.json()
    assert [i["id"] for i in page["items"]] == [ongoing]
    assert page["next_cursor"]
    assert 'rel="next"' in first.headers["link"]
    second = client.get("/v1/status/incidents", params={"limit": 1, "cursor": page["next_cursor"]})
    assert [i["id"] for i in second.json()["items"]] == [resolved]
    assert second.json()["next_cursor"] is None  # the staff-only incident is not public

    one = client.get(f"/v1/status/incidents/{resolved}")
    assert one.status_code == 200
    body = one.json()
    assert body["cause"] == "probe"
    assert body["duration_minutes"] == pytest.approx(25)
    assert body["public_note_en"].startswith("Search did not answer")
    assert (
        client.get(
            f"/v1/status/incidents/{resolved}", headers={"If-None-Match": one.headers["etag"]}
        ).status_code
        == 304
    )
    for unknown in (hidden, 999_999):
        missing = client.get(f"/v1/status/incidents/{unknown}")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert missing.json()["type"].endswith("not-found")
    bad = client.get("/v1/status/incidents", params={"cursor": "garbled"})
    assert bad.status_code == 422


def test_incident_page(client: TestClient, incidents: list[int]) -> None:
    resolved, ongoing, hidden = incidents
    html = client.get(f"/status/incidents/{resolved}").text
    assert "장애 #" in html
    assert "KST" in html
    assert "+09:00" in html
    assert '<p lang="ko" id="note-ko">검색 색인을' in html
    assert '<p lang="en" id="note-en">Search did not answer' in html
    assert "Root cause: a rebuild locked the index." in html
    assert "25분" in html
    assert "자동 점검 실패" in html
    english = client.get(f"/status/incidents/{ongoing}?lang=en").text
    assert "Incident #" in english
    assert "still ongoing" in english
    missing = client.get(f"/status/incidents/{hidden}", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]


def test_atom_feed_is_valid_atom(client: TestClient, incidents: list[int]) -> None:
    response = client.get("/status/incidents.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "link", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated", "summary", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    titles = [e.findtext(f"{ATOM}title") or "" for e in entries]
    assert "진행 중 / ongoing" in titles[0]
    assert "로그인" in titles[0]
    summary = entries[1].findtext(f"{ATOM}summary") or ""
    assert "검색 색인을" in summary
    assert "Search did not answer" in summary
    assert entries[1].findtext(f"{ATOM}id", "").endswith(f"/status/incidents/{incidents[0]}")


def test_open_data_csv(client: TestClient, incidents: list[int]) -> None:
    response = client.get("/status/open-data.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    today = utcnow().astimezone(SEOUL).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="ilteo-status-{today}.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 90 * len(public_menus())
    row = next(r for r in rows if r["menu"] == "reference-search" and r["day"] == today)
    assert (row["requests"], row["failures"], row["failure_rate"]) == ("2", "1", "0.5")
    assert row["server_avg_ms"] == "50.0"
    assert row["rum_avg_ms"] == ""
    assert row["menu_name_ko"] == "직업·산업 분류 검색"
