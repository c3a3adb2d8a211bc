"""The ``ilteo`` command as a person runs it: a real process, messages, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ilteo import __version__


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", *args], capture_output=True, text=True, env=env
    )


def test_version(tmp_path: Path) -> None:
    result = run("--version", home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"ilteo {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("reference", "--help"),
        ("synth", "--help"),
        ("db", "--help"),
        ("lake", "--help"),
        ("identity", "--help"),
        ("keys", "--help"),
        ("guideline", "--help"),
    ],
)
def test_help_everywhere(args: tuple[str, ...], tmp_path: Path) -> None:
    result = run(*args, home=tmp_path)
    assert result.returncode == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("nope",),
        ("reference", "search"),
        ("synth", "--persons", "-3", "--out", "x"),
        ("serve", "--port", "x"),
    ],
)
def test_usage_errors_are_messages_not_tracebacks(args: tuple[str, ...], tmp_path: Path) -> None:
    result = run(*args, home=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_production_without_secret_is_refused_clearly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ILTEO_SECRET_KEY"}
    env.update(ILTEO_ENV="prod", ILTEO_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "db", "current"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "ILTEO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_json(tmp_path: Path) -> None:
    import json

    result = run("db", "upgrade", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["revision"] is not None


def test_a_command_that_exits_non_zero_really_does(tmp_path: Path) -> None:
    # Regression: click returns (instead of raising) a typer.Exit's code in non-standalone mode,
    # so `ilteo lake ingest` exited 0 after a rejected batch.
    bad = tmp_path / "registrations.jsonl"
    bad.write_text('{"not_a_declared_column": 1}\n', encoding="utf-8")
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    env = dict(os.environ, ILTEO_ENV="dev", ILTEO_HOME=str(tmp_path / "home"))
    env.setdefault("ILTEO_REFERENCE_DIR", str(shared))
    upgrade = [sys.executable, "-m", "ilteo.cli", "db", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "lake", "ingest", str(bad), "--source", "job_seekers"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
