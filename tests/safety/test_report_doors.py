"""The data report's doors: ``ilteo safety report``, ``/v1/safety/data-report(.md)``, the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.identity.factories import sign_in_client
from tests.lake.steward_factories import NOW, create_batch, migrated, write_small_lake
from typer.testing import CliRunner

from ilteo.api import create_app
from ilteo.cli import safety_report as safety_report_cli
from ilteo.core.settings import Settings

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def lake(settings: Settings) -> Settings:
    """A migrated home whose lake has curated workplaces, EI events and accidents."""
    settings = migrated(settings)
    create_batch(settings, source="workplaces", finished_at=NOW)
    write_small_lake(settings)
    return settings


def cli_app() -> typer.Typer:
    """``ilteo safety`` once the lead's app exists, else a local app with the command."""
    try:
        from ilteo.cli.safety import app
    except ImportError:
        app = typer.Typer()

        @app.callback()
        def safety() -> None:
            """A stand-in for ``ilteo safety``."""

    if not any(c.name == "report" for c in app.registered_commands):
        safety_report_cli.register(app)
    return app


def app_of(settings: Settings) -> FastAPI:
    """The whole app; the report's router and page are added if the app does not have them yet."""
    from ilteo.api.routers import safety_report as api_router
    from ilteo.web.views import safety_report as web_view

    app = create_app(settings)
    paths = {getattr(route, "path", None) for route in app.routes}
    if "/v1/safety/data-report" not in paths:
        app.include_router(api_router.router, prefix="/v1")
    if "/safety/data-report" not in paths:
        app.include_router(web_view.router)
    return app


@pytest.fixture
def api(lake: Settings) -> Iterator[TestClient]:
    with TestClient(app_of(lake)) as client:
        yield client


@pytest.fixture
def web(lake: Settings) -> Iterator[TestClient]:
    with TestClient(app_of(lake), headers={"Accept": "text/html"}) as client:
        yield client


def test_cli_writes_both_formats_and_prints_the_summary(lake: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(cli_app(), ["report", "--out", str(out)], obj=lake)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "safety-data-report.html",
        "safety-data-report.md",
    ]
    assert "15 kinds" in result.output
    assert "4 ingested" in result.output
    assert str(out / "safety-data-report.md") in result.output.replace("\n", "")


def test_cli_json_and_one_format(lake: Settings, tmp_path: Path) -> None:
    out = tmp_path / "md"
    args = ["report", "--out", str(out), "--format", "md", "--json"]
    result = runner.invoke(cli_app(), args, obj=lake)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["files"] == [str(out / "safety-data-report.md")]
    assert body["lake_empty"] is False
    assert body["summary"]["kinds"] == 15
    assert body["summary"]["ingested"] == 4
    assert [p.name for p in out.iterdir()] == ["safety-data-report.md"]
    bad = runner.invoke(cli_app(), ["report", "--format", "pdf"], obj=lake)
    assert bad.exit_code == 2


def test_cli_default_folder_is_the_lake_reports(settings: Settings) -> None:
    home = migrated(settings)
    result = runner.invoke(cli_app(), ["report", "--format", "html"], obj=home)
    assert result.exit_code == 0, result.output
    assert (home.lake_dir / "reports" / "safety-data-report.html").is_file()
    assert "nothing ingested yet" in result.output


def test_api_returns_json_and_markdown_to_a_data_steward(lake: Settings, api: TestClient) -> None:
    assert api.get("/v1/safety/data-report").status_code == 401
    sign_in_client(api, lake)
    response = api.get("/v1/safety/data-report")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"]["kinds"] == len(body["kinds"]) == 15
    register = next(k for k in body["kinds"] if k["id"] == "workplace_register")
    assert (register["rows"], register["link_key"]) == (3, "workplace_no")
    markdown = api.get("/v1/safety/data-report.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# 산업재해·재난 데이터 보고서")


def test_api_refuses_staff_without_a_report_role(lake: Settings, api: TestClient) -> None:
    sign_in_client(api, lake, login="counsellor", roles=("counsellor",))
    assert api.get("/v1/safety/data-report").status_code == 403
    assert api.get("/v1/safety/data-report.md").status_code == 403


def test_page_embeds_the_report_and_offers_downloads(lake: Settings, web: TestClient) -> None:
    sign_in_client(web, lake, login="analyst", roles=("analyst",))
    html = web.get("/safety/data-report").text
    assert "<h1" in html
    assert "산업재해·재난 데이터 보고서" in html
    assert "국세청" in html
    assert 'href="/safety/data-report?format=md"' in html
    assert html.count("<table") == html.count("<caption>")
    markdown = web.get("/safety/data-report", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["content-disposition"]
    download = web.get("/safety/data-report", params={"format": "html"})
    assert download.text.startswith("<!DOCTYPE html>")
    english = web.get("/safety/data-report", params={"lang": "en"}).text
    assert english.index("Accident and disaster data report") < english.index("Summary")
    assert "National Tax Service" in english


def test_page_is_for_report_roles_only(lake: Settings, web: TestClient) -> None:
    anonymous = web.get("/safety/data-report", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    sign_in_client(web, lake, login="counsellor", roles=("counsellor",))
    assert web.get("/safety/data-report", follow_redirects=False).status_code == 403


#: A phone 390 px wide (iPhone 12 to 15).
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped when it is not installed)."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.e2e
def test_page_is_accessible_and_fits_a_phone(lake: Settings, chromium: Any) -> None:
    from tests.conftest import serve_app
    from tests.e2e.test_reference_browser import assert_accessible
    from tests.identity.factories import staff_session

    with serve_app(lake, app_of(lake)) as url:
        _, token = staff_session(lake)
        for viewport, lang in ((PHONE, "ko"), ({"width": 1280, "height": 900}, "en")):
            page = chromium.new_page(locale="ko-KR", viewport=viewport)
            page.context.add_cookies([{"name": "ilteo_session", "value": token, "url": url}])
            page.goto(f"{url}/safety/data-report?lang={lang}")
            assert page.locator("h1").count() == 1
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("table caption").count() == page.locator("table").count()
            assert_accessible(page, f"/safety/data-report ({lang}, {viewport['width']} px)")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"page is {width}px wide"
            page.close()
