"""Prometheus ``/metrics``: protected, counting requests per service menu; OpenTelemetry spans."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from tests.identity.factories import sign_in_client

from ilteo.api import create_app
from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.status.histogram import EDGES_MS
from ilteo.status.metrics import enable_tracing

TOKEN = "scrape-me-0123456789abcdef"  # noqa: S105 - a test token


def _client(settings: Settings) -> Iterator[TestClient]:
    upgrade(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def web(settings: Settings) -> Iterator[TestClient]:
    yield from _client(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return 0.0


def test_metrics_are_refused_without_the_token_or_an_administrator(
    web: TestClient, settings: Settings
) -> None:
    anonymous = web.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert "Bearer" in anonymous.headers["www-authenticate"]
    wrong = web.get("/metrics", headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
    assert wrong.status_code == 401
    assert "invalid_token" in wrong.headers["www-authenticate"]
    assert web.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    sign_in_client(web, settings, login="analyst", roles=("analyst",))
    staff = web.get("/metrics")
    assert staff.status_code == 403
    assert staff.headers["content-type"] == "application/problem+json"


def test_no_bearer_is_accepted_when_no_token_is_set(settings: Settings) -> None:
    for client in _client(settings):
        assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 401
        sign_in_client(client, settings, login="admin", roles=("administrator",))
        assert client.get("/metrics").status_code == 200  # an administrator's session still works


def test_the_token_or_an_administrator_reads_the_counters(
    web: TestClient, settings: Settings
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(3):
        assert web.get("/healthz").status_code == 200
    assert web.get("/v1/reference/occupations", params={"q": "간호사"}).status_code == 200
    assert web.get("/no/such/page").status_code == 404
    scraped = web.get("/metrics", headers=auth)
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    assert "no-store" in scraped.headers["cache-control"]
    text = scraped.text
    total = "ilteo_http_requests_total"
    assert _sample(text, total, menu="ops", status_class="2xx") == 3  # /healthz
    assert _sample(text, total, menu="ops", status_class="4xx") == 1  # <unmatched>
    assert _sample(text, total, menu="reference-search", status_class="2xx") == 1
    seconds = "ilteo_http_request_duration_seconds"
    assert _sample(text, seconds + "_count", menu="reference-search") == 1
    buckets = re.findall(rf'{seconds}_bucket\{{le="([^"]+)",menu="ops"\}}', text)
    assert [float(b) for b in buckets[:-1]] == [edge / 1000 for edge in EDGES_MS]
    assert buckets[-1] == "+Inf"
    assert _sample(text, "ilteo_http_requests_in_flight") == 1  # the scrape itself
    # the scrape was counted as ops once it finished; an administrator's session also reads
    sign_in_client(web, settings, login="admin", roles=("administrator",))
    as_admin = web.get("/metrics")
    assert as_admin.status_code == 200
    assert _sample(as_admin.text, total, menu="ops", status_class="2xx") == 4


def test_each_request_is_one_span_without_private_attributes(
    web: TestClient, settings: Settings
) -> None:
    exporter = InMemorySpanExporter()
    provider = enable_tracing(web.app, exporter)  # type: ignore[arg-type]
    page = web.get(
        "/reference/occupations/ksco8/2222?lang=ko&secret=1", headers={"X-Forwarded-For": "1"}
    )
    web.get("/no/such/page")
    assert provider.force_flush()
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == [
        "GET /reference/occupations/{system}/{code}",
        "GET <unmatched>",
    ]
    first = dict(spans[0].attributes or {})
    assert first == {
        "http.request.method": "GET",
        "http.route": "/reference/occupations/{system}/{code}",
        "http.response.status_code": page.status_code,
        "ilteo.menu": "reference-detail",
    }
    assert dict(spans[1].attributes or {})["ilteo.menu"] == "ops"
    assert dict(spans[1].attributes or {})["http.response.status_code"] == 404
    assert "secret" not in repr([dict(s.attributes or {}) for s in spans])
    provider.shutdown()


def test_a_configured_exporter_is_installed(settings: Settings) -> None:
    traced = settings.model_copy(update={"otel_exporter": "console"})
    app = create_app(traced)
    assert app.state.status_metrics.tracer is not None
    assert create_app(settings).state.status_metrics.tracer is None
    app.state.status_metrics.provider.shutdown()
