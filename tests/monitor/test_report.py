"""The monthly report on the fixture's synthetic country: sections, numbers, HTML, PDF, CLI."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import typer
from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.core.errors import DataUnavailableError, InvalidInputError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.monitor import report
from ilteo.monitor.exposure import CAVEAT
from ilteo.monitor.indicators import available_months, read_indicators


def test_months_are_checked(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    months = available_months(settings)
    assert report.resolve_month(settings, None) == (months[-1], months)
    assert report.resolve_month(settings, "2025-06")[0] == date(2025, 6, 1)
    with pytest.raises(NotFoundError, match="2019-01"):
        report.resolve_month(settings, "2019-01")
    with pytest.raises(InvalidInputError, match="YYYY-MM"):
        report.resolve_month(settings, "2025-6")


def test_no_indicators_is_data_unavailable(settings: Settings) -> None:
    with pytest.raises(DataUnavailableError):
        report.resolve_month(settings, None)
    assert report.alerts_of(settings).built is False


def test_headline_matches_the_indicators(monitor_lake: MonitorLake) -> None:
    settings = monitor_lake.settings
    month, months = report.resolve_month(settings, "2025-06")
    rows = {h.measure: h for h in report.headline(settings, month, months)}
    frame = read_indicators(settings, months=(date(2024, 6, 1), month)).to_dicts()
    by_month = {r["month"]: r for r in frame}
    for measure in report.HEADLINE_MEASURES:
        assert rows[measure].raw["value"] == by_month[month][measure]
        assert rows[measure].raw["previous"] == by_month[date(2025, 5, 1)][measure]
        assert rows[measure].raw["year_ago"] == by_month[date(2024, 6, 1)][measure]
    employment = rows["employment"]
    expected = by_month[month]["employment"] - by_month[date(2024, 6, 1)]["employment"]
    assert employment.change_year == f"{expected:+,}"


def test_the_shock_shows_in_clerical_separations(monitor_lake: MonitorLake) -> None:
    # The fixture country doubles and a half the separation hazard of KSCO major group 3
    # from 2025-01: the report's numbers for that group must show it against a year before.
    settings = monitor_lake.settings
    month, months = report.resolve_month(settings, "2025-03")
    rows = {h.measure: h.raw for h in report.headline(settings, month, months, ksco="3")}
    assert rows["separations"]["value"] > 1.5 * rows["separations"]["year_ago"]


def test_suppressed_counts_are_shown_below_the_threshold() -> None:
    assert report.count_text(None, True, 5) == "<5"
    assert report.count_text(3, False, 5) == "3"
    assert report.count_text(None, False, 5) == "—"


def test_report_has_every_section_in_korean(monitor_lake: MonitorLake) -> None:
    built = report.build_report(monitor_lake.settings, "2025-06")
    html = built.html
    assert '<html lang="ko">' in html
    for heading in (
        "1. 이달의 주요 숫자",
        "2. 고노출",
        "3. 노출 가중",
        "4. 이달의 조기 경보",
        "5. 시도별",
        "6. 방법, 출처, 주의",
    ):
        assert heading in html
    assert "합성 데이터 / synthetic data" in html  # the fixture lake is ilteo synth's
    assert CAVEAT.split(".")[0] in html
    assert "5명(건) 미만" in html
    assert "<script" not in html
    assert len(re.findall(r'<svg id="chart-[^"]+" role="img"', html)) == len(built.charts) >= 3
    assert html.count("서울특별시") == 1
    assert html.count("<table") >= len(built.charts) + 2
    assert built.figures["month"] == "2025-06"
    assert built.figures["synthetic"] is True
    assert built.figures["regions"] >= 17


def test_top_occupations_are_ranked_by_exposure_weighted_change(
    monitor_lake: MonitorLake,
) -> None:
    settings = monitor_lake.settings
    month, months = report.resolve_month(settings, "2025-06")
    chart, ref = report.top_occupations_chart(settings, month, months)
    assert ref == date(2024, 6, 1)
    assert chart is not None
    assert 0 < len(chart.rows) <= report.TOP_OCCUPATIONS
    sizes = [abs(float(row[-1])) for row in chart.rows]
    assert sizes == sorted(sizes, reverse=True)


def test_write_report_html_only(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    written = report.write_report(monitor_lake.settings, "2025-06", tmp_path, pdf=False)
    assert written["pdf"] is None
    html = Path(written["html"])
    assert html.name == "report-2025-06.html"
    assert html.read_text("utf-8").startswith("{#") is False
    specs = sorted(p.name for p in Path(written["specs"]).iterdir())
    assert "national-employment.vl.json" in specs
    spec = json.loads((Path(written["specs"]) / "national-employment.vl.json").read_text("utf-8"))
    assert spec["data"]["values"][-1]["month"] == "2025-06"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium to print the PDF")
def test_write_report_prints_an_a4_pdf(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    written = report.write_report(monitor_lake.settings, "2025-06", tmp_path)
    pdf = Path(written["pdf"]).read_bytes()
    assert pdf.startswith(b"%PDF")
    # A4 is 595.28 x 841.89 points; Chromium writes 594.96 x 841.92.
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)


def test_cli_report_json(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    from ilteo.cli.monitor_report import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a group of two commands keeps "report" as a subcommand
    result = CliRunner().invoke(
        app,
        ["report", "--month", "2025-06", "--out", str(tmp_path), "--no-pdf", "--json"],
        obj=monitor_lake.settings,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["month"] == "2025-06"
    assert data["pdf"] is None
    assert Path(data["html"]).is_file()
    assert data["headline"]["employment"]["value"] > 0


def test_cli_report_month_outside_the_data(monitor_lake: MonitorLake, tmp_path: Path) -> None:
    from ilteo.cli.monitor_report import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(
        app, ["report", "--month", "2031-01", "--out", str(tmp_path)], obj=monitor_lake.settings
    )
    assert isinstance(result.exception, NotFoundError)
    assert not any(tmp_path.iterdir())


def test_alerts_section_says_not_built_when_there_is_nothing_to_read() -> None:
    from ilteo.web.i18n import Translator
    from ilteo.web.rendering import get_environment

    macros = get_environment().get_template("monitor/_macros.html").module
    for lang, text in (("ko", "아직 만들어지지 않았습니다"), ("en", "not built yet")):
        html = str(
            macros.alerts_table(  # type: ignore[attr-defined]
                Translator(lang), lang, report.AlertsView(built=False), "2025-06", {}
            )
        )
        assert 'id="alerts-not-built"' in html
        assert text in html
        assert "<table" not in html
