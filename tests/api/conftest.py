"""Fixtures of the HTTP API tests: the whole app on a fresh home, with the real reference data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

#: The public reference data (``../shared/data`` beside the checkout unless ILTEO_REFERENCE_DIR).
REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """Development settings with this test's own home, migrated as ``ilteo serve`` does."""
    settings = Settings(env="dev", home=tmp_path, reference_dir=REFERENCE_DIR)
    upgrade(settings)
    return settings


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    """A client of the whole app, its lifespan (and the MCP session manager) running."""
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client
