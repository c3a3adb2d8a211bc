"""``ilteo reference`` through Typer's runner and through the main error guard."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ilteo.cli import reference as reference_cli
from ilteo.cli._output import run_guarded
from ilteo.core.settings import Settings

runner = CliRunner()


def _guarded(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``ilteo reference ARGS`` as the console script does (errors printed, exit code)."""
    root = typer.Typer()

    @root.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = settings

    root.add_typer(reference_cli.app, name="reference")
    monkeypatch.setattr(sys, "argv", ["ilteo", "reference", *args])
    return run_guarded(root)


def test_help_is_korean_then_english() -> None:
    result = runner.invoke(reference_cli.app, ["--help"])
    assert result.exit_code == 0
    for command in ("status", "load", "fetch", "search", "show"):
        assert command in result.output
    assert "기준 데이터" in result.output
    assert "Reference data" in result.output
    fetch_help = runner.invoke(reference_cli.app, ["fetch", "--help"])
    assert "--mirror" in fetch_help.output
    assert "--dest" in fetch_help.output


def test_search_json(settings: Settings) -> None:
    result = runner.invoke(reference_cli.app, ["search", "소프트웨어", "--json"], obj=settings)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {"system", "code", "name_ko", "name_en", "score"} <= set(hits[0])
    assert any(h["code"] == "2223" for h in hits)


def test_industry_search_and_table_output(settings: Settings) -> None:
    result = runner.invoke(
        reference_cli.app, ["search", "소프트웨어 개발", "--industry", "--limit", "3"], obj=settings
    )
    assert result.exit_code == 0, result.output
    assert "582" in result.output


def test_show_occupation_json_and_text(settings: Settings) -> None:
    result = runner.invoke(
        reference_cli.app, ["show", "onet", "15-1252.00", "--json"], obj=settings
    )
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)
    assert detail["name_en"] == "Software Developers"
    assert any(score["index"] == "ilo_genai_2025" for score in detail["exposures"])
    text = runner.invoke(reference_cli.app, ["show", "ksic11", "5822"], obj=settings)
    assert text.exit_code == 0
    assert "시스템·응용 소프트웨어" in text.output


def test_status_and_load_json(settings: Settings) -> None:
    loaded = runner.invoke(reference_cli.app, ["load", "ksco8", "--json"], obj=settings)
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)[0]["rows"] == 728
    status = runner.invoke(reference_cli.app, ["status", "--json"], obj=settings)
    assert status.exit_code == 0
    rows = {row["id"]: row for row in json.loads(status.stdout)}
    assert rows["ksco8"]["cached"] is True
    assert rows["onet"]["cached"] is False


def test_load_with_a_progress_bar(settings: Settings) -> None:
    result = runner.invoke(reference_cli.app, ["load", "ksco8", "crosswalks"], obj=settings)
    assert result.exit_code == 0, result.output
    assert "9" in result.output  # 1 + 8 tables


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["search", " "], 2, "empty"),
        (["search", "nurse", "--system", "isco88"], 2, "isco88"),
        (["show", "nope", "1"], 2, "Unknown system"),
        (["load", "nope"], 2, "nope"),
        (["fetch", "ksco8", "--mirror", "ftp://x"], 2, "mirror"),
        (["show", "onet", "00-0000.00"], 1, "00-0000.00"),
    ],
)
def test_errors_are_one_clear_line_with_the_right_exit_code(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    text: str,
) -> None:
    assert _guarded(settings, monkeypatch, *args) == code
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert text in err
    assert "Traceback" not in err


def test_missing_reference_data_exits_1_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = Settings(env="dev", home=tmp_path / "h", reference_dir=tmp_path / "none")
    assert _guarded(empty, monkeypatch, "search", "간호사") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "ilteo reference fetch" in err
    assert "Traceback" not in err
