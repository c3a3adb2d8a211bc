"""Fixtures of the web page tests: the whole app on a fresh home, with the real reference data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    """A browser-like client (asks for HTML) of the whole app with this test's own home."""
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client
