"""``ilteo serve --workers 2`` as an operator runs it: two processes on one port, MCP stateless."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.api.test_api_key_auth import make_key
from tests.conftest import REFERENCE_DIR
from tests.mcp.test_mcp_auth import over_http

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.mcp.registry import TOOLS
from mcp import Client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, Settings, Path]]:
    """A real ``ilteo serve --workers 2`` on SQLite: its URL, settings and log file."""
    settings = Settings(env="dev", home=tmp_path / "home", reference_dir=REFERENCE_DIR)
    upgrade(settings)
    port = _free_port()
    env = dict(
        os.environ,
        ILTEO_ENV="dev",
        ILTEO_HOME=str(settings.home),
        ILTEO_REFERENCE_DIR=str(REFERENCE_DIR),
        ILTEO_PORT=str(port),
        ILTEO_WARM_ON_START="true",
    )
    env.pop("ILTEO_DATABASE_URL", None)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ilteo.cli", "serve", "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while log.read_text(errors="replace").count("Application startup complete") < 2:
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield url, settings, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_processes_share_the_port_and_the_store(
    two_workers: tuple[str, Settings, Path],
) -> None:
    url, settings, log = two_workers
    pids = set(re.findall(r"Started server process \[(\d+)\]", log.read_text(errors="replace")))
    assert len(pids) == 2
    _, token = make_key(settings, "steward", ("data_steward",))
    headers = {"Authorization": f"Bearer {token}"}

    def call(_: int) -> int:
        with httpx.Client(timeout=60) as client:
            answer = client.get(f"{url}/v1/reference/occupations/ksco8/2222", headers=headers)
            return answer.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(call, range(40))) == {200}
    assert httpx.get(f"{url}/v1/identity/me", headers=headers).json()["roles"] == ["data_steward"]


def test_mcp_over_http_is_stateless_and_works_across_processes(
    two_workers: tuple[str, Settings, Path],
) -> None:
    url, settings, _ = two_workers
    _, token = make_key(settings, "steward", ("data_steward",))

    async def scenario(client: Client) -> None:
        for _ in range(6):  # each request may reach either process: no session to lose
            tools = (await client.list_tools()).tools
            assert [tool.name for tool in tools] == [tool.name for tool in TOOLS]
            found = await client.call_tool("get_occupation", {"system": "ksco8", "code": "2222"})
            assert not found.is_error

    over_http(url, token, scenario)
    answer = httpx.post(
        f"{url}/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
        headers={
            "Accept": "application/json, text/event-stream",
            "Authorization": f"Bearer {token}",
        },
    )
    assert answer.status_code == 200
    assert "mcp-session-id" not in answer.headers  # stateless: no session to pin to a process
