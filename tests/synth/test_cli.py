"""``ilteo synth`` as people run it: clear errors without tracebacks, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ilteo.core.settings import Settings


def _run(args: list[str], settings: Settings, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        ILTEO_ENV="dev",
        ILTEO_HOME=str(tmp_path / "home"),
        ILTEO_REFERENCE_DIR=str(settings.reference_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "ilteo.cli", "synth", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("persons", ["0", "-5", "abc", "1.5", "50000001"])
def test_bad_person_counts_fail_with_a_message_and_no_traceback(
    tmp_path: Path, synth_settings: Settings, persons: str
) -> None:
    result = _run(["--persons", persons, "--out", str(tmp_path / "out")], synth_settings, tmp_path)
    assert result.returncode != 0
    assert "--persons" in result.stderr
    assert "50,000,000" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_missing_out_and_bad_shock_are_explained(tmp_path: Path, synth_settings: Settings) -> None:
    missing = _run(["--persons", "10"], synth_settings, tmp_path)
    assert missing.returncode != 0
    assert "--out" in missing.stderr
    shock = _run(
        ["--persons", "10", "--out", str(tmp_path / "o"), "--shock", "2222:2025-13"],
        synth_settings,
        tmp_path,
    )
    assert shock.returncode != 0
    assert "YYYY-MM" in shock.stderr
    assert "Traceback" not in missing.stderr + shock.stderr


def test_json_prints_the_manifest(tmp_path: Path, synth_settings: Settings) -> None:
    out = tmp_path / "out"
    result = _run(
        ["--persons", "300", "--seed", "4", "--out", str(out), "--json", "--shock",
         "2222:2025-03:sep=2"],
        synth_settings,
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["persons"] == 300
    assert manifest["seed"] == 4
    assert manifest["shocks"][0]["occupations"] == ["2222"]
    assert json.loads((out / "ground_truth/manifest.json").read_text(encoding="utf-8")) == manifest
