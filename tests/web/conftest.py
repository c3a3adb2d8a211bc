"""Fixtures of the web page tests: the whole app on a fresh home, with the real reference data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    """A browser-like client (asks for HTML) of the whole app with this test's own home."""
    settings = Settings(env="dev", home=tmp_path, reference_dir=REFERENCE_DIR)
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client
