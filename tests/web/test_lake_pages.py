"""Data-steward pages under /lake: Korean first, empty-lake guidance, the lake's numbers shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client
from tests.lake.steward_factories import (
    NOW,
    create_batch,
    create_quality_score,
    create_quarantine_row,
    migrated,
    write_linkage_evaluation,
    write_person_linkage,
    write_small_lake,
)

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.lake.consistency import run_consistency

#: Pages measure freshness against the clock: the fixture's batch finished a minute ago.
JUST_NOW = datetime.now(UTC) - timedelta(minutes=1)
PAGES = [
    "/lake",
    "/lake/sources",
    "/lake/batches",
    "/lake/quarantine",
    "/lake/linkage",
    "/lake/quality",
    "/lake/catalog",
    "/lake/catalog/curated.ei_events",
    "/lake/report",
]


@pytest.fixture
def filled(settings: Settings) -> Settings:
    """A lake with two batches, quarantine, five quality measurements, linkage and consistency."""
    settings = migrated(settings)
    batch = create_batch(settings, source="ei_events", finished_at=JUST_NOW)
    create_batch(settings, source="workplaces", id="workplaces-1", content_sha256="b" * 64,
                 received_rows=3, accepted_rows=3, quarantined_rows=0, finished_at=NOW)  # fmt: skip
    create_quarantine_row(settings, batch.id)
    # A clear RRN left in a value by mistake is masked on the page all the same.
    create_quarantine_row(settings, batch.id, rule="code.ksic11", column="rrn",
                          value="900101-1234567")  # fmt: skip
    for i, score in enumerate((0.99, 0.97, 0.9, 0.96, 0.99)):
        create_quality_score(settings, batch_id=f"ei_events-{i}", score=score,
                             measured_at=NOW - timedelta(days=5 - i))  # fmt: skip
    write_small_lake(settings)
    write_person_linkage(settings)
    write_linkage_evaluation(settings)
    run_consistency(settings, now=NOW)
    return settings


def client_of(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        sign_in_client(client, settings)
        yield client


@pytest.fixture
def empty_web(settings: Settings) -> Iterator[TestClient]:
    yield from client_of(migrated(settings))


@pytest.fixture
def web_filled(filled: Settings) -> Iterator[TestClient]:
    yield from client_of(filled)


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_korean_first_with_the_lake_menu(
    empty_web: TestClient, path: str
) -> None:
    response = empty_web.get(path)
    assert response.status_code == 200
    html = response.text
    assert lang_of(html) == "ko"
    assert html.count("<h1") == 1
    assert 'aria-label="데이터 레이크 메뉴"' in html
    assert "/static/lake.css" in html
    assert html.count("<table") == html.count("<caption>")
    english = empty_web.get(path, params={"lang": "en"}).text
    assert lang_of(english) == "en"
    assert "Data lake menu" in english


@pytest.mark.parametrize("path", ["/lake", "/lake/sources", "/lake/batches", "/lake/catalog"])
def test_empty_lake_says_nothing_was_ingested_and_how(empty_web: TestClient, path: str) -> None:
    html = empty_web.get(path).text
    assert "아직 적재된 데이터가 없습니다" in html
    assert "ilteo lake ingest" in html


def test_sources_show_last_batch_freshness_and_rows(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/sources").text
    row = html.split("<code>ei_events</code>")[1].split("</tr>")[0]
    assert JUST_NOW.strftime("%Y-%m-%d %H:%M UTC") in row
    assert "제때" in row  # fresh: finished just now
    assert 'href="/lake/quarantine?source=ei_events">2</a>' in row
    assert "받은 적 없음" in html  # sources without a batch
    assert "아직 적재된 데이터가 없습니다" not in html


def test_batches_list_and_filter_by_source(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/batches").text
    assert "ei_events-aaaaaaaaaaaa" in html
    assert "part-1.parquet" in html
    assert "/extracts/" not in html  # only the file name of the origin
    only = web_filled.get("/lake/batches", params={"source": "workplaces"}).text
    assert "workplaces-1" in only
    assert "ei_events-aaaaaaaaaaaa" not in only
    assert web_filled.get("/lake/batches", params={"source": "nope"}).status_code == 404


def test_quarantine_counts_rules_and_masks_values(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/quarantine").text
    assert "rrn.check_digit" in html
    assert "code.ksic11" in html
    assert "900101-1******" in html
    assert "900101-1234567" not in html


def test_linkage_shows_model_against_baseline(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/linkage").text
    assert "99.1%" in html  # model precision
    assert "61.0%" in html  # baseline recall
    assert "kdt_enrolments" in html
    assert "name_typo" in html
    assert "정확 일치 기준선" in html


def test_quality_trend_is_an_accessible_svg_with_the_numbers_in_a_table(
    web_filled: TestClient,
) -> None:
    html = web_filled.get("/lake/quality", params={"source": "ei_events"}).text
    svg = re.search(r"<svg class=\"lake-sparkline\"[^>]*>", html)
    assert svg
    assert 'role="img"' in svg.group(0)
    assert "최근 5회 측정 평균 점수: 99.0%에서 99.0%" in svg.group(0)
    assert html.count('class="lake-dot-below"') >= 1  # the 0.9 measurement
    assert "90.0%" in html  # the same number, in a table
    assert "workplace_ksic" in html  # consistency of the source's pairs
    # No script of its own: only the real-user timing beacon every page loads (no inline code).
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/rum.js" defer>']


def test_catalogue_shows_personal_classes_and_links_dcat(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/catalog").text
    assert 'id="curated.ei_events"' in html
    assert "비공개" in html
    assert "/v1/lake/catalog.jsonld" in html
    detail = web_filled.get("/lake/catalog/curated.ei_events").text
    assert "<code>rrn_hash</code>" in detail
    assert "주민등록번호" in detail
    assert 'href="/lake/catalog/staged.ei_events"' in detail
    assert web_filled.get("/lake/catalog/nope.nothing").status_code == 404


def test_report_page_embeds_the_report_and_offers_downloads(web_filled: TestClient) -> None:
    html = web_filled.get("/lake/report").text
    assert "가구 소득" in html
    assert "레이크에 없음" in html
    assert 'href="/lake/report?format=md"' in html
    markdown = web_filled.get("/lake/report", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# 데이터 표준화 보고서")
    english = web_filled.get("/lake/report", params={"lang": "en"}).text
    assert "Household income" in english


def test_the_overview_links_every_steward_page(web_filled: TestClient) -> None:
    html = web_filled.get("/lake").text
    for path in PAGES[1:7]:
        assert f'href="{path}"' in html
    assert "경보" in html


def test_linkage_chart_is_shown_and_only_listed_charts_are_served(
    filled: Settings, web_filled: TestClient
) -> None:
    from ilteo.lake.layout import LakePaths

    folder = LakePaths.of(filled).linkage_dir
    (folder / "person-match-weights.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    html = web_filled.get("/lake/linkage").text
    assert 'src="/lake/linkage/charts/person-match-weights.svg"' in html
    assert 'alt="연계 평가 차트 person-match-weights.svg"' in html
    chart = web_filled.get("/lake/linkage/charts/person-match-weights.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert web_filled.get("/lake/linkage/charts/evaluation-person.json").status_code == 404
    assert web_filled.get("/lake/linkage/charts/..%2Fevaluation-person.json").status_code == 404


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_page_shows_escaped_markup(web_filled: TestClient, path: str, lang: str) -> None:
    # Regression: a macro's HTML passed through a catalogue message was escaped into visible text.
    html = web_filled.get(path, params={"lang": lang}).text
    assert "&lt;time" not in html
    assert "&lt;span" not in html
