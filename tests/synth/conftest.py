"""Synthetic countries shared by the synth tests (generated once per session, small N)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ilteo.core.settings import Settings
from ilteo.synth import generate, parse_shock

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)
#: The shock every shared country carries (software developers from March 2025).
SHOCK = "2222,2223:2025-03:sep=1.8,hire=0.6"


def reference_settings(home: Path) -> Settings:
    """Settings reading the real reference data, with their own home."""
    if not (REFERENCE_DIR / "korea-industrial-accidents").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR} (set ILTEO_REFERENCE_DIR)")
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture
def accident_statistics() -> Path:
    """The raw accident statistics file the calibration reads."""
    path = REFERENCE_DIR / "korea-industrial-accidents/accidents_by_industry_size_2021-2023.csv"
    if not path.is_file():
        pytest.skip(f"reference data not found at {REFERENCE_DIR} (set ILTEO_REFERENCE_DIR)")
    return path


@pytest.fixture
def synth_settings(tmp_path: Path) -> Settings:
    """Settings for one test, with the real reference data (skips when it is absent)."""
    return reference_settings(tmp_path / "home")


@pytest.fixture(scope="session")
def country(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A country of 2,000 persons with the shared shock: (folder, manifest)."""
    root = tmp_path_factory.mktemp("country")
    settings = reference_settings(root / "home")
    manifest = generate(root / "out", 2000, 11, shocks=parse_shock(SHOCK), settings=settings)
    return root / "out", manifest


@pytest.fixture(scope="session")
def large_country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A country of 30,000 persons without shock, for statistical checks."""
    root = tmp_path_factory.mktemp("large")
    generate(root / "out", 30_000, 3, settings=reference_settings(root / "home"))
    return root / "out"
