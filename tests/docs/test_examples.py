"""The runnable examples of docs/examples/ run against a live server, exactly as published.

The app runs with uvicorn (the ``serve`` fixture); an account with a fresh API key is made in its
store; each example runs as its own process (``bash`` for curl, this Python for the others) with
``ILTEO_BASE_URL`` and ``ILTEO_API_KEY`` set, as a reader would run it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.identity.factories import create_test_account

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity.api_keys import create_api_key

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live server (module-wide: examples only read) and an API key of an account on it."""
    from tests.conftest import REFERENCE_DIR, serve_app

    home = tmp_path_factory.mktemp("examples") / "home"
    settings = Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)
    upgrade(settings)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account, _ = create_test_account(session, login="example-user")
        token = create_api_key(session, account.id, name="docs examples", secret_key=secret).token
    with serve_app(settings) as url:
        yield url, token


def run_example(command: list[str], url: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"ILTEO_API_KEY", "ILTEO_BASE_URL"}}
    env["ILTEO_BASE_URL"] = url
    if key is not None:
        env["ILTEO_API_KEY"] = key
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        command, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False
    )


def test_curl_example(live: tuple[str, str]) -> None:
    url, key = live
    done = run_example(["bash", str(EXAMPLES / "curl.sh")], url, key)
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert '"code":"2222"' in out.replace(" ", "")  # the search found KSCO 8 2222
    assert "Software Developers" in out
    assert "x-request-id: curl-example-1" in out.lower()
    assert "etag: " in out.lower()
    assert "revalidated: 304" in out
    assert '"type":"https://ilteo.kr/problems/not-found"' in out.replace(" ", "")
    assert "status: 404" in out
    assert '"login":"example-user"' in out.replace(" ", "")
    assert '"authenticated_by":"api_key"' in out.replace(" ", "")


def test_httpx_example(live: tuple[str, str]) -> None:
    url, key = live
    done = run_example([sys.executable, str(EXAMPLES / "httpx_example.py")], url, key)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "found ksco8 2222 " in done.stdout
    assert "read 15-1252.00 Software Developers (request id httpx-example-1)" in done.stdout
    assert "revalidated 304" in done.stdout
    assert "problem 404 https://ilteo.kr/problems/not-found" in done.stdout
    assert "signed in as example-user by api_key" in done.stdout


def test_httpx_example_without_a_key_skips_the_signed_in_call(live: tuple[str, str]) -> None:
    url, _ = live
    done = run_example([sys.executable, str(EXAMPLES / "httpx_example.py")], url, None)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "found ksco8 2222 " in done.stdout
    assert "signed in as" not in done.stdout


def test_mcp_client_example(live: tuple[str, str]) -> None:
    url, key = live
    done = run_example([sys.executable, str(EXAMPLES / "mcp_client.py")], url, key)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "search_occupations" in done.stdout.splitlines()[0]
    assert "found ksco8 2222 " in done.stdout
    assert "read 15-1252.00 Software Developers" in done.stdout
    assert "tool error: True" in done.stdout
    assert "99999" in done.stdout


@pytest.mark.parametrize("example", ["curl.sh", "httpx_example.py", "mcp_client.py"])
def test_an_example_fails_against_no_server(example: str) -> None:
    # The examples are not vacuous: with nothing listening on the port they exit non-zero.
    command = ["bash"] if example.endswith(".sh") else [sys.executable]
    done = run_example([*command, str(EXAMPLES / example)], "http://127.0.0.1:9", None)
    assert done.returncode != 0
