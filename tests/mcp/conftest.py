"""Fixtures of the MCP tests: the whole app served by uvicorn on a free local port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings


@pytest.fixture
def mcp_settings(settings: Settings) -> Settings:
    """Development settings with this test's own home, migrated as ``ilteo serve`` does."""
    upgrade(settings)
    return settings


@pytest.fixture
def server_url(
    mcp_settings: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> Iterator[str]:
    """Base URL of the app served by uvicorn in a thread on 127.0.0.1 (a port the OS picked)."""
    with serve(mcp_settings) as url:
        yield url
