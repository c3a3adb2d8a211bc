"""Shared fixtures of the lake tests: one small synthetic country, and a migrated home per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)


def _require_reference() -> None:
    if not (REFERENCE_DIR / "ksco8-korean-occupation-codes").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR} (set ILTEO_REFERENCE_DIR)")


@pytest.fixture(scope="session")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic country of 2,000 persons (generated once per session): its extract folder."""
    from ilteo.synth import generate

    _require_reference()
    root = tmp_path_factory.mktemp("lake-country")
    settings = Settings(env="dev", home=root / "home", reference_dir=REFERENCE_DIR)
    generate(root / "out", 2000, 5, settings=settings)
    return root / "out"


@pytest.fixture
def lake_settings(tmp_path: Path) -> Settings:
    """Development settings with this test's own home and SQLite ledger, migrated."""
    _require_reference()
    settings = Settings(env="dev", home=tmp_path / "home", reference_dir=REFERENCE_DIR)
    upgrade(settings)
    return settings
