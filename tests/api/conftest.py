"""Fixtures of the HTTP API tests: the whole app on a fresh home, with the real reference data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """Development settings with this test's own home, migrated as ``ilteo serve`` does."""
    upgrade(settings)
    return settings


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    """A client of the whole app, its lifespan (and the MCP session manager) running."""
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client
