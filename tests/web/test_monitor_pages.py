"""The AI impact monitoring dashboard pages on the fixture's synthetic country."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient
from tests.monitor.conftest import MonitorLake

from ilteo.api import create_app
from ilteo.core.settings import Settings
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import read_indicators

PAGES = (
    "/monitor",
    "/monitor/occupations",
    "/monitor/occupations/3403",
    "/monitor/regions",
    "/monitor/alerts",
)


@pytest.fixture(scope="module")
def dash_client(monitor_lake: MonitorLake) -> Iterator[TestClient]:
    """A browser-like client of the whole app on the built monitoring lake."""
    with TestClient(create_app(monitor_lake.settings), headers={"Accept": "text/html"}) as client:
        yield client


@pytest.fixture
def dash(dash_client: TestClient) -> TestClient:
    """The client without the language cookie an earlier test's ``?lang=en`` left."""
    dash_client.cookies.clear()
    return dash_client


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_korean_with_the_rules_stated(dash: TestClient, path: str) -> None:
    page = dash.get(path, params={"month": "2025-06"})
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert '<html lang="ko">' in html
    assert _scripts(html) == ['<script src="/static/rum.js" defer>']
    assert "합성 데이터 / synthetic data" in html  # the fixture lake is ilteo synth's country
    assert "5명(건) 미만인 칸은 '<5'으로 가립니다" in unescape(html)
    assert 'aria-current="page"' in html
    assert "<h1" in html


@pytest.mark.parametrize("path", PAGES)
def test_pages_in_english(dash: TestClient, path: str) -> None:
    html = dash.get(path, params={"month": "2025-06", "lang": "en"}).text
    assert '<html lang="en">' in html
    assert "Synthetic data" in html
    assert "cells under 5 are suppressed and shown as '<5'" in unescape(html)


def test_every_chart_has_a_table_and_a_spec(dash: TestClient) -> None:
    html = dash.get("/monitor", params={"month": "2025-06"}).text
    figures = re.findall(r'<figure class="monitor-chart" id="(chart-[^"]+)-figure">', html)
    assert len(figures) >= 4
    for dom in figures:
        assert f'<svg id="{dom}" role="img" aria-labelledby="{dom}-caption"' in html
        assert f'<figcaption id="{dom}-caption">' in html
        assert f'<caption id="{dom}-table-caption">' in html
        name = dom.removeprefix("chart-")
        assert f'href="/monitor/spec/{name}.vl.json?month=2025-06&amp;lang=ko"' in html
    assert len(set(re.findall(r'\bid="([^"]+)"', html))) == len(re.findall(r'\bid="', html))
    assert CAVEAT.split(".")[0] in html


def test_national_table_shows_the_indicator_numbers(
    dash: TestClient,
    monitor_lake: MonitorLake,
) -> None:
    frame = read_indicators(monitor_lake.settings, months=(_month(2025, 6), _month(2025, 6)))
    employment = frame.to_dicts()[0]["employment"]
    html = dash.get("/monitor", params={"month": "2025-06"}).text
    headline = html.split('id="headline"')[1].split("</table>")[0]
    assert f'<td class="num">{employment:,}</td>' in headline


def _month(year: int, month: int):  # type: ignore[no-untyped-def]
    from datetime import date

    return date(year, month, 1)


def test_spec_is_vega_lite_json_with_the_page_numbers(dash: TestClient) -> None:
    spec = dash.get("/monitor/spec/national-employment.vl.json", params={"month": "2025-06"}).json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["data"]["values"][-1]["month"] == "2025-06"
    occupation = dash.get("/monitor/spec/occupation-3403-flows.vl.json").json()
    assert {v["series"] for v in occupation["data"]["values"]} == {
        "취득(채용)",
        "상실(이직)",
        "구직급여 신청",
    }
    assert dash.get("/monitor/spec/no-such-chart.vl.json").status_code == 404


def test_small_cells_are_shown_suppressed(dash: TestClient) -> None:
    # Single occupations of a 3,000-person country hold cells under 5: shown as <5, never 1-4.
    html = dash.get("/monitor/occupations", params={"month": "2025-06"}).text
    table = html.split('id="occupations"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num">([^<(]+?)</td>', table)
    employment = [c.strip() for c in cells if not re.fullmatch(r"\d\.\d{3}|—", c.strip())]
    assert "&lt;5" in employment
    assert not [c for c in employment if c in {"1", "2", "3", "4"}]


def test_explorer_filters(dash: TestClient) -> None:
    html = dash.get(
        "/monitor/occupations", params={"month": "2025-06", "major": "3", "band": "high"}
    ).text
    codes = re.findall(r'href="/monitor/occupations/(\d{4})\?month=2025-06"', html)
    assert codes
    assert all(code.startswith("3") for code in codes)
    assert "고노출(상위 20%)" in html
    assert dash.get("/monitor/occupations", params={"band": "zzz"}).status_code == 422
    assert dash.get("/monitor/occupations", params={"major": "Q"}).status_code == 422


def test_occupation_page_has_trends_and_the_profile(dash: TestClient) -> None:
    html = dash.get("/monitor/occupations/3403", params={"month": "2025-06"}).text
    assert "3403" in html
    assert "은행 사무원" in html
    assert 'id="profile"' in html
    assert CAVEAT.split(".")[0] in html
    assert 'id="chart-occupation-3403-employment"' in html
    group = dash.get("/monitor/occupations/34", params={"month": "2025-06"})
    assert group.status_code == 200
    assert 'id="group-note"' in group.text


def test_unknown_occupation_is_404_with_nearest_codes(dash: TestClient) -> None:
    page = dash.get("/monitor/occupations/3490")
    assert page.status_code == 404
    assert _scripts(page.text) == ['<script src="/static/rum.js" defer>']
    suggestions = re.findall(r'<a href="/monitor/occupations/(\d{4})">', page.text)
    assert suggestions
    assert any(code.startswith("34") for code in suggestions), suggestions
    assert dash.get("/monitor/occupations/34x9").status_code == 404


def test_month_outside_the_data_is_a_404_page_naming_the_range(dash: TestClient) -> None:
    page = dash.get("/monitor", params={"month": "2019-01"})
    assert page.status_code == 404
    assert "2023-01" in page.text
    assert "2025-12" in page.text
    assert dash.get("/monitor/regions", params={"month": "2025-6"}).status_code == 422


def test_regions_table_lists_the_17_sido(dash: TestClient) -> None:
    html = dash.get("/monitor/regions", params={"month": "2025-06"}).text
    table = html.split('id="regions"')[1].split("</table>")[0]
    assert table.count("<tr>") >= 1 + 17
    for name in ("서울특별시", "세종특별자치시", "전북특별자치도"):
        assert name in table


def test_alerts_page_links_each_alert_to_its_chart(dash: TestClient) -> None:
    html = dash.get("/monitor/alerts", params={"month": "2025-06"}).text
    rows = re.findall(r'<tr id="alert-(AW-[0-9a-f]+)">', html)
    # The fixture country's clerical shock (KSCO 3, from 2025-01) is open by 2025-06.
    assert rows
    assert re.search(r'href="/monitor/(occupations/\d+|alerts)\?month=2025-06"', html)


def test_without_indicators_the_pages_say_data_unavailable(settings: Settings) -> None:
    from ilteo.core.db import upgrade

    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        page = client.get("/monitor")
    assert page.status_code == 503
    assert _scripts(page.text) == ['<script src="/static/rum.js" defer>']
