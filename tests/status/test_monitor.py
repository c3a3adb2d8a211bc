"""The monitor: fault injection, probes, the leader lock and the loop in a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.errors import ConfigurationError
from ilteo.core.settings import Settings
from ilteo.status.incidents import evaluate
from ilteo.status.logs import flush_now
from ilteo.status.models import Incident, RequestLog
from ilteo.status.monitor import LeaderLock, run_once, self_url
from ilteo.status.probes import probed_menus, run_probes

FAULT_MENU = "reference-search"
SEARCH = "/v1/reference/occupations?q=간호사"


def drill(settings: Settings, **extra: object) -> Settings:
    """``settings`` injecting faults into reference search."""
    return settings.model_copy(update={"status_fault_menu": FAULT_MENU, **extra})


def test_fault_injection_fails_that_menu_only_and_the_log_records_it(settings: Settings) -> None:
    store = drill(settings)
    upgrade(store)
    app = create_app(store)
    with TestClient(app) as client:
        failed = client.get(SEARCH)
        assert failed.status_code == 503
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.json()["title_en"] == "injected fault (drill)"
        assert client.get("/v1/reference/datasets").status_code == 200
        assert client.get("/v1/reference/occupations/ksco8/2222").status_code == 200
        flush_now(app)
    with session_scope(store) as session:
        rows = session.execute(
            select(RequestLog.menu, RequestLog.status, RequestLog.failed).where(
                RequestLog.kind == "server"
            )
        ).all()
    assert (FAULT_MENU, 503, True) in [tuple(r) for r in rows]
    assert not [r for r in rows if r.menu != FAULT_MENU and r.failed]


def test_a_fault_rate_fails_that_share_of_requests(settings: Settings) -> None:
    store = drill(settings, status_fault_rate=0.25, status_log=False)
    upgrade(store)
    with TestClient(create_app(store)) as client:
        codes = [client.get(SEARCH).status_code for _ in range(8)]
    assert codes.count(503) == 2
    assert codes.count(200) == 6


def test_fault_injection_is_refused_in_prod(tmp_path: object) -> None:
    with pytest.raises(ConfigurationError):
        Settings(env="prod", secret_key="x" * 32, status_fault_menu=FAULT_MENU)


def test_probes_fail_for_the_faulty_menu_and_are_stored(settings: Settings, serve: object) -> None:
    store = drill(settings, status_log=False)
    with serve(store) as url:  # type: ignore[operator]
        results = run_probes(store, url)
    by_menu = {r.menu: r for r in results}
    assert set(by_menu) == {m.id for m in probed_menus()}
    assert by_menu[FAULT_MENU].failed
    assert by_menu[FAULT_MENU].status == 503
    assert by_menu[FAULT_MENU].route == "/v1/reference/occupations"
    assert not by_menu["reference-datasets"].failed
    with session_scope(store) as session:
        stored = session.execute(
            select(RequestLog.menu, RequestLog.failed, RequestLog.client).where(
                RequestLog.kind == "probe"
            )
        ).all()
    assert len(stored) == len(results)
    assert (FAULT_MENU, True, "probe") in [tuple(r) for r in stored]


def test_a_server_that_does_not_answer_fails_every_probe(settings: Settings) -> None:
    upgrade(settings)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    results = run_probes(settings, f"http://127.0.0.1:{port}")
    assert results
    assert all(r.failed and r.status == 0 and r.error == "connection" for r in results)


def test_run_once_opens_an_incident_after_two_failed_probes(
    settings: Settings, serve: object
) -> None:
    store = drill(settings, status_log=False)
    with serve(store) as url:  # type: ignore[operator]
        first = run_once(store, url)
        assert first.changes == []
        second = run_once(store, url)
    assert [(c.change, c.menu, c.cause) for c in second.changes] == [
        ("opened", FAULT_MENU, "probe")
    ]


def test_the_leader_lock_admits_one_holder(db_settings: Settings) -> None:
    upgrade(db_settings)
    first, second = LeaderLock(db_settings), LeaderLock(db_settings)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.acquire()  # held already
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_self_url_reaches_a_wildcard_bind_on_loopback(settings: Settings) -> None:
    wildcard = settings.model_copy(update={"host": "0.0.0.0", "port": 8123})  # noqa: S104
    assert self_url(wildcard) == "http://127.0.0.1:8123"


@contextmanager
def serve_with_monitor(settings: Settings) -> Iterator[Settings]:
    """Serve the app with uvicorn on the port its settings name (the monitor probes itself)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    settings = settings.model_copy(update={"host": "127.0.0.1", "port": sock.getsockname()[1]})
    upgrade(settings)
    config = uvicorn.Config(create_app(settings), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield settings
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def _wait_for(check: object, deadline: float = 60.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_served_app_with_the_monitor_probes_itself_and_opens_an_incident(
    settings: Settings,
) -> None:
    store = drill(
        settings,
        status_monitor=True,
        status_check_seconds=0.2,
        status_probe_seconds=0.3,
        status_log=False,
    )

    def open_incident() -> bool:
        with session_scope(running) as session:
            found = session.scalars(
                select(Incident).where(Incident.menu == FAULT_MENU, Incident.closed_at.is_(None))
            ).all()
        return len(found) == 1

    with serve_with_monitor(store) as running:
        assert _wait_for(open_incident)
        with session_scope(running) as session:
            probes = session.execute(
                select(RequestLog.menu, RequestLog.failed).where(RequestLog.kind == "probe")
            ).all()
            (incident,) = session.scalars(select(Incident)).all()
        assert {m for m, _ in probes} == {m.id for m in probed_menus()}
        assert not [m for m, failed in probes if failed and m != FAULT_MENU]
        assert incident.cause == "probe"
    # The loop stopped with the server: the lock is free for the next leader.
    lock = LeaderLock(running)
    assert lock.acquire()
    lock.release()
    assert evaluate(running) == []  # stateless: a later evaluation agrees with the monitor


def test_the_monitor_applies_retention(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    from datetime import timedelta

    from ilteo.identity.accounts import utcnow
    from ilteo.status import monitor
    from ilteo.status.logs import record_requests

    upgrade(settings)
    quiet = settings.model_copy(update={"status_check_seconds": 3600, "status_probe_seconds": 3600})
    old = {
        "menu": "home", "route": "/", "method": "GET", "status": 200, "duration_ms": 5.0,
        "bytes": 1, "client": "c", "kind": "server", "failed": False,
        "at": utcnow() - timedelta(days=quiet.status_raw_retention_days + 1),
    }  # fmt: skip
    with session_scope(quiet) as session:
        record_requests(session, [old, {**old, "at": utcnow()}])
    monkeypatch.setattr(monitor, "PRUNE_DELAY_SECONDS", 0.0)

    async def one_round() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(
            monitor.monitor_loop(quiet, stop, base_url=lambda: "http://127.0.0.1:9")
        )
        while True:  # until the old row is gone (the first round prunes)
            await asyncio.sleep(0.05)
            with session_scope(quiet) as session:
                if len(session.scalars(select(RequestLog)).all()) == 1:
                    break
        stop.set()
        await task

    asyncio.run(asyncio.wait_for(one_round(), timeout=60))
