"""Fixtures of the browser tests: the app served by uvicorn, and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from ilteo.core.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
#: Without the background-networking flags Chromium stalls on the closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def live_url(
    settings: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> Iterator[str]:
    """Base URL of the whole app served by uvicorn in a thread on a free 127.0.0.1 port."""
    with serve(settings) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (skipped when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
