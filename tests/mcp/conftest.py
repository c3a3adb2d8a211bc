"""Fixtures of the MCP tests: the whole app served by uvicorn on a free local port."""

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


@pytest.fixture
def mcp_settings(tmp_path: Path) -> Settings:
    """Development settings with this test's own home, migrated as ``ilteo serve`` does."""
    settings = Settings(env="dev", home=tmp_path, reference_dir=REFERENCE_DIR)
    upgrade(settings)
    return settings


@pytest.fixture
def server_url(mcp_settings: Settings) -> Iterator[str]:
    """Base URL of the app served by uvicorn in a thread on 127.0.0.1 (a port the OS picked)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(mcp_settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
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
