"""``ilteo lake catalog``, ``report`` and ``consistency`` through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from tests.lake.steward_factories import write_small_lake
from typer.testing import CliRunner

from ilteo.cli import lake_catalog
from ilteo.core.settings import Settings

runner = CliRunner()


def app() -> typer.Typer:
    lake = typer.Typer()

    @lake.callback()
    def _root() -> None:
        """A stand-in for ``ilteo lake``."""

    lake_catalog.register(lake)
    return lake


def test_commands_are_registered_with_bilingual_help() -> None:
    result = runner.invoke(app(), ["--help"])
    assert result.exit_code == 0
    for command in ("catalog", "report", "consistency"):
        assert command in result.output
    assert "표준화 보고서" in result.output


def test_catalog_on_an_empty_lake_says_how_to_ingest(settings: Settings) -> None:
    result = runner.invoke(app(), ["catalog"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "ilteo lake ingest DIR" in result.output
    listed = runner.invoke(app(), ["catalog", "--json"], obj=settings)
    assert any(entry["id"] == "curated.person_records" for entry in json.loads(listed.output))
    dcat = json.loads(runner.invoke(app(), ["catalog", "--dcat"], obj=settings).output)
    assert dcat["@type"] == "dcat:Catalog"


def test_report_writes_the_chosen_format(settings: Settings, tmp_path: Path) -> None:
    result = runner.invoke(
        app(), ["report", "--out", str(tmp_path), "--format", "md", "--json"], obj=settings
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"files": [str(tmp_path / "standardisation-report.md")]}
    assert (tmp_path / "standardisation-report.md").read_text(encoding="utf-8").startswith("# ")
    bad = runner.invoke(app(), ["report", "--format", "pdf"], obj=settings)
    assert bad.exit_code != 0


def test_consistency_scores_and_records(settings: Settings) -> None:
    write_small_lake(settings)
    result = runner.invoke(app(), ["consistency", "--json"], obj=settings)
    assert result.exit_code == 0, result.output
    scores = {r["check"]: r["score"] for r in json.loads(result.output)}
    assert scores["workplace_ksic"] == 0.75
    table = runner.invoke(app(), ["consistency", "--no-write"], obj=settings)
    assert "Cross-source consistency" in table.output
    assert "below" in table.output  # a check under its threshold is flagged
