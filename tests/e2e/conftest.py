"""Fixtures of the browser tests: the app served by uvicorn, and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)
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
def live_url(tmp_path: Path) -> Iterator[str]:
    """Base URL of the whole app served by uvicorn in a thread on a free 127.0.0.1 port."""
    settings = Settings(env="dev", home=tmp_path / "home", reference_dir=REFERENCE_DIR)
    upgrade(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


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
