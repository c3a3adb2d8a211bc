"""Request logs: rollups, anonymised clients, the middleware, MCP tool calls, retention."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import pytest
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.api.test_api_key_auth import make_key
from tests.mcp.test_mcp_auth import over_http

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.mcp.server import create_server
from ilteo.status import histogram
from ilteo.status.logs import (
    DROPPED_COUNTER,
    Observation,
    RequestLogWriter,
    add_counts,
    add_to_rollups,
    anonymise_client,
    attach_tool_log,
    day_start,
    flush_now,
    hour_start,
    prune,
    record_requests,
)
from ilteo.status.models import Counter, RequestLog, Rollup, RumTiming, UsabilityEvent
from mcp import Client

T0 = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)  # 23:30 in Seoul


def _rollups(settings: Settings, kind: str = "server") -> dict[tuple[str, str, datetime], Rollup]:
    with session_scope(settings) as session:
        rows = session.scalars(select(Rollup).where(Rollup.kind == kind)).all()
        return {(r.menu, r.grain, r.start.replace(tzinfo=UTC)): r for r in rows}


def _logs(settings: Settings) -> list[RequestLog]:
    with session_scope(settings) as session:
        return list(session.scalars(select(RequestLog).order_by(RequestLog.id)).all())


def test_periods_hour_utc_and_day_in_seoul() -> None:
    assert hour_start(T0) == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert day_start(T0) == datetime(2026, 2, 28, 15, tzinfo=UTC)  # 1 March in Seoul
    assert day_start(T0 + timedelta(minutes=30)) == datetime(2026, 3, 1, 15, tzinfo=UTC)


def test_rollups_add_up_across_calls_and_sessions(db_settings: Settings) -> None:
    upgrade(db_settings)
    first = [
        Observation("home", "server", T0, 12.0, failed=False),
        Observation("home", "server", T0 + timedelta(minutes=5), 180.0, failed=True),
    ]
    with session_scope(db_settings) as session:  # one "process"
        add_to_rollups(session, first)
    with session_scope(db_settings) as session:  # another one, later
        add_to_rollups(
            session,
            [
                Observation("home", "server", T0 + timedelta(minutes=20), 12_000.0, True, True),
                Observation("home", "server", T0 + timedelta(minutes=40), 3.0, failed=False),
            ],
        )
    rows = _rollups(db_settings)
    hour = rows[("home", "hour", datetime(2026, 3, 1, 14, tzinfo=UTC))]
    assert (hour.requests, hour.failures, hour.timeouts) == (3, 2, 1)
    assert hour.sum_ms == 12_192.0
    assert hour.hist == histogram.merge([histogram.add(histogram.add(
        histogram.add(histogram.empty(), 12.0), 180.0), 12_000.0)])  # fmt: skip
    next_hour = rows[("home", "hour", datetime(2026, 3, 1, 15, tzinfo=UTC))]
    assert next_hour.requests == 1
    # 23:30-23:50 Seoul belong to 1 March, 00:10 to 2 March
    day1 = rows[("home", "day", datetime(2026, 2, 28, 15, tzinfo=UTC))]
    day2 = rows[("home", "day", datetime(2026, 3, 1, 15, tzinfo=UTC))]
    assert (day1.requests, day1.failures, day2.requests, day2.failures) == (3, 2, 1, 0)
    assert sum(day1.hist) == 3
    assert sum(day2.hist) == 1


def test_rollups_are_safe_with_concurrent_writers(db_settings: Settings) -> None:
    upgrade(db_settings)
    batch = [Observation("open-mcp", "server", T0, 40.0, failed=i % 4 == 0) for i in range(10)]

    def writer() -> None:
        for _ in range(5):
            with session_scope(db_settings) as session:
                add_to_rollups(session, batch)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = _rollups(db_settings)
    for grain, start in (("hour", hour_start(T0)), ("day", day_start(T0))):
        row = rows[("open-mcp", grain, start)]
        assert (row.requests, row.failures, sum(row.hist)) == (300, 90, 300)


def test_record_requests_and_counts(db_settings: Settings) -> None:
    upgrade(db_settings)
    row = {
        "at": T0, "menu": "reference-search", "route": "/v1/reference/occupations",
        "method": "GET", "status": 200, "duration_ms": 25.0, "bytes": 10, "client": "p",
        "kind": "probe", "failed": False,
    }  # fmt: skip
    with session_scope(db_settings) as session:
        record_requests(session, [row, {**row, "status": 503, "failed": True}])
        add_counts(session, {"beacon.refused": 2, "zero": 0}, now=T0)
    with session_scope(db_settings) as session:
        add_counts(session, {"beacon.refused": 3}, now=T0)
        counters = {c.name: c.count for c in session.scalars(select(Counter))}
    assert counters == {"beacon.refused": 5}
    assert [r.kind for r in _logs(db_settings)] == ["probe", "probe"]
    probe = _rollups(db_settings, "probe")
    assert probe[("reference-search", "hour", hour_start(T0))].failures == 1


def test_anonymised_client_is_daily_and_keyed(settings: Settings) -> None:
    morning, evening = T0 - timedelta(hours=10), T0
    a = anonymise_client(settings, "203.0.113.7", now=morning)
    assert a == anonymise_client(settings, "203.0.113.7", now=evening)  # same Seoul day
    assert a != anonymise_client(settings, "203.0.113.7", now=T0 + timedelta(hours=1))
    assert a != anonymise_client(settings, "203.0.113.8", now=morning)
    assert len(a) == 16
    assert int(a, 16) >= 0
    assert a != hashlib.sha256(b"203.0.113.7").hexdigest()[:16]  # keyed: not a plain hash
    key = "another-secret-key-0123456789"
    other = Settings(env="dev", home=settings.home, secret_key=key)
    assert a != anonymise_client(other, "203.0.113.7", now=morning)
    writer = RequestLogWriter(settings)
    assert writer.client("203.0.113.7", morning) == a  # the middleware's fast path agrees


def test_middleware_logs_route_templates_statuses_and_sizes(db_settings: Settings) -> None:
    upgrade(db_settings)
    app = create_app(db_settings)

    @app.get("/test-boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        ok = client.get("/healthz")
        detail = client.get("/v1/reference/occupations/ksco8/2222?secret=zz-token")
        invalid = client.get("/v1/reference/occupations", params={"q": "x", "zz": "hidden"})
        missing = client.get("/nowhere/12345?token=zz-secret")
        failed = client.get("/test-boom")
    assert (ok.status_code, invalid.status_code, missing.status_code) == (200, 422, 404)
    assert failed.status_code == 500
    rows = _logs(db_settings)  # flushed at lifespan shutdown
    seen = [(r.menu, r.route, r.method, r.status, r.failed) for r in rows]
    assert seen == [
        ("ops", "/healthz", "GET", 200, False),
        ("reference-detail", "/v1/reference/occupations/{system}/{code}", "GET",
         detail.status_code, detail.status_code >= 500),
        ("reference-search", "/v1/reference/occupations", "GET", 422, False),
        ("ops", "<unmatched>", "GET", 404, False),
        ("ops", "/test-boom", "GET", 500, True),
    ]  # fmt: skip
    assert rows[0].bytes == len(ok.content)
    assert rows[2].bytes == len(invalid.content)
    assert all(r.kind == "server" and len(r.client) == 16 and r.duration_ms >= 0 for r in rows)
    stored = " ".join(f"{r.route} {r.client}" for r in rows)
    assert "zz" not in stored
    assert "12345" not in stored
    assert "testclient" not in stored
    rollups = _rollups(db_settings)
    hour = max(start for (menu, grain, start) in rollups if grain == "hour")
    assert rollups[("ops", "hour", hour)].requests == 3
    assert rollups[("ops", "hour", hour)].failures == 1


def test_streams_are_timed_to_their_first_chunk(settings: Settings) -> None:
    upgrade(settings)
    app = create_app(settings.model_copy(update={"status_timeout_ms": 500.0}))

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data: one\n\n"
        await asyncio.sleep(1.2)  # an open stream is not a slow request
        yield b"data: two\n\n"

    @app.get("/test-stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/event-stream")

    @app.get("/test-slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(1.2)
        return {"slow": True}

    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200  # the first request pays for warm-up
        assert client.get("/test-stream").content == b"data: one\n\ndata: two\n\n"
        assert client.get("/test-slow").status_code == 200
    _, stream_row, slow_row = _logs(settings)
    assert (stream_row.route, stream_row.bytes, stream_row.failed) == ("/test-stream", 22, False)
    assert stream_row.duration_ms < 1200
    assert (slow_row.route, slow_row.failed) == ("/test-slow", True)  # slower than the timeout
    assert _rollups(settings)[("ops", "hour", hour_start(slow_row.at))].timeouts == 1


def test_mcp_over_http_logs_the_transport_and_the_tool(
    settings: Settings, serve: Callable[[Settings], AbstractContextManager[str]]
) -> None:
    upgrade(settings)
    _, key = make_key(settings, "citizen")

    async def scenario(client: Client) -> None:
        result = await client.call_tool("get_occupation", {"system": "ksco8", "code": "2222"})
        assert not result.is_error

    with serve(settings) as url:
        over_http(url, key, scenario)
    rows = _logs(settings)  # written at the server's shutdown
    tools = [(r.route, r.menu, r.failed) for r in rows if r.method == "MCP"]
    assert tools == [("mcp:get_occupation", "reference-detail", False)]
    transport = [r for r in rows if r.route == "/mcp"]
    assert transport
    assert all(r.menu == "open-mcp" and not r.failed for r in transport)


def test_flush_now_and_a_full_buffer_counts_drops(settings: Settings) -> None:
    upgrade(settings)
    app = create_app(settings)
    app.state.request_log.capacity = 2
    client = TestClient(app)  # no lifespan: nothing flushes by itself
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert app.state.request_log.pending() == 2
    assert flush_now(app) == 2
    assert len(_logs(settings)) == 2
    with session_scope(settings) as session:
        counters = {c.name: c.count for c in session.scalars(select(Counter))}
    assert counters == {DROPPED_COUNTER: 3}
    assert flush_now(app) == 0


def test_status_log_off_logs_nothing(settings: Settings) -> None:
    upgrade(settings)
    quiet = Settings(env="dev", home=settings.home, status_log=False)
    app = create_app(quiet)
    with TestClient(app) as client:
        client.get("/healthz")
    assert flush_now(app) == 0
    assert _logs(settings) == []


def test_mcp_tool_calls_are_logged_with_their_menu(settings: Settings) -> None:
    upgrade(settings)
    _, key = make_key(settings, "citizen")
    server = create_server(settings, local_api_key=key)
    writer = RequestLogWriter(settings)
    attach_tool_log(server, writer)
    keyless = create_server(settings)
    attach_tool_log(keyless, writer)

    async def main() -> None:
        async with Client(server) as client:
            listed = await client.list_tools()
            assert (
                "query"
                in next(t for t in listed.tools if t.name == "search_occupations").input_schema[
                    "properties"
                ]
            )
            result = await client.call_tool("search_occupations", {"query": "간호사"})
            assert not result.is_error
        async with Client(keyless) as client:
            refused = await client.call_tool("list_reference_datasets", {})
            assert refused.is_error

    anyio.run(main)
    assert writer.flush() == 2
    rows = _logs(settings)
    assert [(r.route, r.menu, r.method, r.status, r.failed) for r in rows] == [
        ("mcp:search_occupations", "reference-search", "MCP", 200, False),
        ("mcp:list_reference_datasets", "reference-datasets", "MCP", 400, False),
    ]


def test_tool_wrapper_keeps_the_signature_and_logs_exceptions(settings: Settings) -> None:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    from ilteo.mcp.tools._common import _with_request_log

    upgrade(settings)
    server = MCPServer(name="test")
    writer = RequestLogWriter(settings)
    attach_tool_log(server, writer)

    def get_occupation(system: str, code: str = "2222") -> str:
        """Doc."""
        if code == "bad":
            raise ToolError("unknown code")
        raise RuntimeError("bug")

    wrapped = _with_request_log(server, "get_occupation", get_occupation)
    assert inspect.signature(wrapped) == inspect.signature(get_occupation)
    assert wrapped.__doc__ == "Doc."
    with pytest.raises(RuntimeError):
        wrapped("ksco8")
    with pytest.raises(ToolError):
        wrapped("ksco8", code="bad")
    assert writer.flush() == 2
    assert [(r.status, r.failed, r.menu) for r in _logs(settings)] == [
        (500, True, "reference-detail"),
        (400, False, "reference-detail"),
    ]


def test_prune_removes_only_old_rows(db_settings: Settings) -> None:
    upgrade(db_settings)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    base = {
        "menu": "home", "route": "/", "method": "GET", "status": 200, "duration_ms": 5.0,
        "bytes": 1, "client": "c", "kind": "server", "failed": False,
    }  # fmt: skip
    with session_scope(db_settings) as session:
        record_requests(
            session,
            [{**base, "at": now - timedelta(days=d)} for d in (1, 13, 15, 30, 500)],
        )
        for days in (2, 20):
            session.add(RumTiming(at=now - timedelta(days=days), menu="home", route="/",
                                  navigation="navigate", load_ms=100.0, client="c"))  # fmt: skip
        for days in (20, 401):  # usability events are kept as long as the rollups
            session.add(UsabilityEvent(at=now - timedelta(days=days), task="api_key.create",
                                       step="form_viewed", visit="v" * 32))  # fmt: skip
    result = prune(db_settings, now=now)
    assert result["deleted"]["status_requests"] == 3
    assert result["deleted"]["status_rum"] == 1
    assert result["deleted"]["status_usability_events"] == 1
    ages = sorted((now - r.at.replace(tzinfo=UTC)).days for r in _logs(db_settings))
    assert ages == [1, 13]
    starts = {start for (_m, _g, start) in _rollups(db_settings)}
    assert starts
    assert min(starts) > now - timedelta(days=400)
    assert len(starts) == 8  # 4 kept days x (hour + day)
    assert prune(db_settings, now=now)["deleted"] == {
        "status_requests": 0, "status_rum": 0, "status_usability_events": 0, "status_rollups": 0,
    }  # fmt: skip


def test_cli_menus_and_prune(settings: Settings) -> None:
    upgrade(settings)
    env = {**os.environ, "ILTEO_HOME": str(settings.home), "ILTEO_ENV": "dev"}
    env.pop("ILTEO_DATABASE_URL", None)

    def run(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "ilteo.cli", "status", *args, "--json"],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert "reference-search" in {menu["id"] for menu in run("menus")}
    assert run("prune")["deleted"]["status_requests"] == 0
