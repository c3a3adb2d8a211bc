"""Security headers on pages, the JSON API and error responses; HSTS everywhere but ``dev``.

``dev`` serves plain HTTP on localhost, where a remembered HSTS policy would break every other
local service on that host name, so it is the one environment without it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.web.headers import HSTS

HSTS_VALUE = "max-age=63072000; includeSubDomains"
#: A page, a JSON endpoint, a page that does not exist and an API path that does not exist.
URLS = ("/sign-in/report", "/v1/identity/sign-in-report", "/no-such-page", "/v1/no-such-thing")


def _client(settings: Settings) -> Iterator[TestClient]:
    upgrade(settings)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        yield client


@pytest.fixture(params=["test", "prod"])
def deployed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app configured as deployed (``test`` or ``prod``), over HTTPS."""
    settings = Settings(
        env=request.param, home=tmp_path / "home", secret_key=secrets.token_urlsafe(32)
    )
    yield from _client(settings)


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app in ``dev``."""
    yield from _client(Settings(env="dev", home=tmp_path / "home"))


def test_hsts_value() -> None:
    assert HSTS == HSTS_VALUE


@pytest.mark.parametrize("url", URLS)
def test_hsts_outside_dev(deployed: TestClient, url: str) -> None:
    response = deployed.get(url)
    assert response.headers["strict-transport-security"] == HSTS_VALUE


@pytest.mark.parametrize("url", URLS)
def test_no_hsts_in_dev(dev: TestClient, url: str) -> None:
    assert "strict-transport-security" not in dev.get(url).headers


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/sign-in/report", 200),
        ("/v1/identity/sign-in-report", 200),
        ("/no-such-page", 404),
        ("/v1/no-such-thing", 404),
        ("/v1/identity/sign-in-report?weeks=0", 422),
    ],
)
def test_security_headers_on_pages_api_and_errors(dev: TestClient, url: str, status: int) -> None:
    response = dev.get(url)
    assert response.status_code == status
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_csp_nonce_is_new_on_every_response(dev: TestClient) -> None:
    first = dev.get("/sign-in/report").headers["content-security-policy"]
    second = dev.get("/sign-in/report").headers["content-security-policy"]
    assert "'nonce-" in first
    assert first != second
