"""Fixtures of the identity tests: a migrated store."""

from __future__ import annotations

import pytest

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.fixture
def store(settings: Settings) -> Settings:
    """SQLite settings with the schema migrated."""
    upgrade(settings)
    return settings
