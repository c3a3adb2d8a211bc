"""``ilteo benefits check``: the table, --json and a clear refusal of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from tests.benefits.test_check import EXAMPLE
from tests.monitor.conftest import MonitorLake
from typer.testing import CliRunner

from ilteo.cli import benefits as benefits_cli

runner = CliRunner(env={"COLUMNS": "200"})


def test_check_prints_every_programme_and_json(tmp_path: Path) -> None:
    source = tmp_path / "person.json"
    source.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    shown = runner.invoke(benefits_cli.app, ["check", "--input", str(source)])
    assert shown.exit_code == 0, shown.output
    assert "2026-03-02" in shown.output
    body = runner.invoke(benefits_cli.app, ["check", "--input", str(source), "--json"])
    assert body.exit_code == 0, body.output
    assert json.loads(body.output)["as_of"] == "2026-03-02"


def test_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps({"as_of": "2026-03-02", "employment": {"separation_reason": "x"}}))
    result = runner.invoke(benefits_cli.app, ["check", "--input", str(source)])
    assert result.exit_code == 2
    assert "separation_reason" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert runner.invoke(benefits_cli.app, ["check", "--input", str(broken)]).exit_code == 2


def test_scan_prints_counts_and_writes_the_people(
    monitor_lake: MonitorLake, tmp_path: Path
) -> None:
    out = tmp_path / "found.parquet"
    args = ["scan", "--as-of", "2025-12-31", "--out", str(out), "--json", "--top", "3"]
    result = runner.invoke(benefits_cli.app, args, obj=monitor_lake.settings)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["eligible_not_claiming"] == pl.read_parquet(out).height
    assert len(body["people"]) <= 3
    wrong = ["scan", "--as-of", "2025-13-01"]
    bad = runner.invoke(benefits_cli.app, wrong, obj=monitor_lake.settings)
    assert bad.exit_code == 2
