"""The incident monitor (checks and probes in the server's lifespan) and fault injection for drills.

:func:`install_monitor` does two things on the app:

* with ``status_fault_menu`` set (refused in prod by the settings), it adds
  :class:`FaultInjection`, a pure ASGI middleware that answers ``503`` problem+json for a share
  (``status_fault_rate``) of that menu's requests. It is added before the request log, so it sits
  *inside* it and the log records the injected failures like real ones;
* with ``status_monitor`` on, it wraps the app's lifespan with a background loop that every
  ``status_check_seconds`` evaluates incidents (:func:`ilteo.status.incidents.evaluate`) and every
  ``status_probe_seconds`` runs the synthetic probes (:func:`ilteo.status.probes.run_probes`)
  against the server's own address; the same loop applies the retention of request logs and
  rollups (:func:`ilteo.status.logs.prune`) ten minutes after start and then daily.

When ``ilteo serve --workers N`` runs several processes, only the one holding the leader lock runs
the loop (:class:`LeaderLock`: ``flock`` on ``<home>/status-monitor.lock`` with SQLite, a session
advisory lock on a dedicated connection with PostgreSQL); the others retry every check interval
and take over when the leader stops. Errors in the loop are logged, never raised into the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from ilteo.api.errors import PROBLEM_BASE
from ilteo.core.settings import Settings
from ilteo.status.incidents import IncidentChange
from ilteo.status.probes import ProbeResult

logger = logging.getLogger("ilteo.status.monitor")

#: PostgreSQL advisory-lock key of the monitor's leader ("ilteo-mo" as an integer).
LEADER_LOCK_KEY = 0x696C74656F2D6D6F & 0x7FFFFFFFFFFFFFFF


# --- fault injection ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    regex: re.Pattern[str]
    methods: frozenset[str] | None  # None: any method
    route: Any  # the original route object (the request log finds its template by it)
    menu: str | None


def route_candidates(routes: Any) -> list[_Candidate]:
    """Every route of the app, in matching order, with its full template's regex and menu."""
    from fastapi.routing import iter_route_contexts

    from ilteo.status.menus import menu_for_route
    from ilteo.status.probes import template_regex

    candidates = []
    for context in iter_route_contexts(routes):
        if not context.path:
            continue
        original = context.original_route
        methods = getattr(original, "methods", None)
        allowed = frozenset(m.upper() for m in methods) if methods else None
        menu = None
        for method in sorted(allowed or {"*"}):
            with contextlib.suppress(KeyError):
                menu = menu_for_route(method if method != "*" else "GET", context.path)
                break
        is_mount = isinstance(original, Mount)
        regex = template_regex(context.path + ("/{rest:path}" if is_mount else ""))
        candidates.append(_Candidate(regex, allowed, original, menu))
        if is_mount:
            candidates.append(_Candidate(template_regex(context.path), allowed, original, menu))
    return candidates


def route_menu(candidates: list[_Candidate], scope: Scope) -> _Candidate | None:
    """The first route that ``scope``'s method and path match (``None`` when none does)."""
    method = str(scope.get("method", "GET")).upper()
    method = "GET" if method == "HEAD" else method
    path = str(scope.get("path", "/"))
    for candidate in candidates:
        if candidate.methods is not None and method not in candidate.methods:
            continue
        if candidate.regex.match(path):
            return candidate
    return None


class FaultInjection:
    """Answer ``503`` problem+json for a share of one menu's requests (fault drills only).

    The share is exact, not random: an accumulator adds ``rate`` per request of the menu and fails
    the request each time it reaches 1, so a rate of 0.25 fails every fourth request. The matched
    route is put in ``scope["route"]`` as the router would, so the request log (outside this
    middleware) records the failure under the route's template and menu.
    """

    def __init__(self, app: ASGIApp, *, routes: Any, menu: str, rate: float) -> None:
        """Wrap ``app``; ``routes`` are the app's routes, matched to find a request's menu."""
        self.app = app
        self.routes = routes
        self.menu = menu
        self.rate = rate
        self._credit = 0.0
        self._lock = threading.Lock()
        self._candidates: list[_Candidate] | None = None

    def _should_fail(self) -> bool:
        with self._lock:
            self._credit += self.rate
            if self._credit >= 1.0 - 1e-9:
                self._credit -= 1.0
                return True
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Fail the request or pass it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._candidates is None:  # built on the first request: every route is added by then
            self._candidates = route_candidates(self.routes)
        found = route_menu(self._candidates, scope)
        if found is None or found.menu != self.menu or not self._should_fail():
            await self.app(scope, receive, send)
            return
        scope["route"] = found.route
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "injected-fault",
                "title": "일부러 낸 장애 (훈련) / injected fault (drill)",
                "title_ko": "일부러 낸 장애 (훈련)",
                "title_en": "injected fault (drill)",
                "status": 503,
                "detail": f"ILTEO_STATUS_FAULT_MENU={self.menu}",
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"60"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# --- the leader lock ----------------------------------------------------------------------------


class LeaderLock:
    """A non-blocking lock only one process of a deployment holds (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        """A lock for the store of ``settings`` (not yet acquired)."""
        self.settings = settings
        self._file: IO[str] | None = None
        self._connection: Any = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._file is not None or self._connection is not None

    def acquire(self) -> bool:
        """Try to take the lock without waiting; ``True`` when held afterwards."""
        if self.held:
            return True
        if self.settings.sqlalchemy_url.startswith("postgresql"):
            from sqlalchemy import text

            from ilteo.core.db import engine_for

            connection = engine_for(self.settings).connect()
            try:
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
                ).scalar()
                connection.commit()
            except Exception:
                connection.close()
                raise
            if got:
                self._connection = connection
                return True
            connection.close()
            return False
        self.settings.home.mkdir(parents=True, exist_ok=True)
        handle = (self.settings.home / "status-monitor.lock").open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lock up (closing the file or the dedicated connection releases it)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                from sqlalchemy import text

                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY}
                )
                connection.commit()
            with contextlib.suppress(Exception):
                connection.invalidate()  # ends the database session: no lock can outlive it
            with contextlib.suppress(Exception):
                connection.close()


# --- one round and the loop ---------------------------------------------------------------------


@dataclass
class MonitorRun:
    """What one round of the monitor did: the probes it ran and the incident changes."""

    probes: list[ProbeResult] = field(default_factory=list)
    changes: list[IncidentChange] = field(default_factory=list)


def run_once(settings: Settings, base_url: str, now: datetime | None = None) -> MonitorRun:
    """Probe every menu, then evaluate incidents (what the loop does, once; for tests and CLI)."""
    from ilteo.status.incidents import evaluate
    from ilteo.status.probes import run_probes

    probes = run_probes(settings, base_url, now=now)
    return MonitorRun(probes=probes, changes=evaluate(settings, now=now))


def self_url(settings: Settings) -> str:
    """The server's own base URL (a wildcard bind address is reached on loopback)."""
    host = settings.host
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - recognising the bind-all address
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _log_changes(changes: list[IncidentChange]) -> None:
    for change in changes:
        logger.warning(
            "incident %s %s: menu=%s cause=%s %s",
            change.incident_id,
            change.change,
            change.menu,
            change.cause,
            change.why,
        )


async def monitor_loop(
    settings: Settings,
    stop: asyncio.Event,
    *,
    base_url: Callable[[], str] | None = None,
    lock: LeaderLock | None = None,
) -> None:
    """Check and probe until ``stop`` is set, while holding the leader lock.

    Blocking work (the store, the probe requests to this very server) runs in worker threads so
    the server's event loop keeps answering, probes included.
    """
    from ilteo.status.incidents import evaluate
    from ilteo.status.logs import prune
    from ilteo.status.probes import run_probes

    lock = lock or LeaderLock(settings)
    url = base_url or (lambda: self_url(settings))
    # The first probe waits one interval: the server may not be listening yet at startup.
    next_check = time.monotonic()
    next_probe = next_check + settings.status_probe_seconds
    next_prune = next_check + PRUNE_DELAY_SECONDS  # retention, once a day after a quiet start
    try:
        while not stop.is_set():
            wait = settings.status_check_seconds
            try:
                if await asyncio.to_thread(lock.acquire):
                    now = time.monotonic()
                    if now >= next_probe:
                        next_probe = now + settings.status_probe_seconds
                        await asyncio.to_thread(run_probes, settings, url())
                    if now >= next_check:
                        next_check = now + settings.status_check_seconds
                        _log_changes(await asyncio.to_thread(evaluate, settings))
                    if now >= next_prune:
                        next_prune = now + PRUNE_INTERVAL_SECONDS
                        pruned = await asyncio.to_thread(prune, settings)
                        logger.info("status retention applied: %s", pruned["deleted"])
                    wait = max(0.0, min(next_check, next_probe) - time.monotonic())
            except Exception:
                logger.exception("status monitor round failed; retrying")
                await asyncio.to_thread(lock.release)  # a broken connection loses the lock
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(wait, 0.01))
    finally:
        await asyncio.to_thread(lock.release)


#: The leader applies retention (:func:`ilteo.status.logs.prune`) this long after it starts...
PRUNE_DELAY_SECONDS = 600.0
#: ... and then once a day.
PRUNE_INTERVAL_SECONDS = 86_400.0


def install_monitor(app: Any, settings: Settings) -> None:
    """Add fault injection (drills) and the monitor loop (``status_monitor``) to ``app``."""
    if settings.status_fault_menu:
        app.add_middleware(
            FaultInjection,
            routes=app.router.routes,
            menu=settings.status_fault_menu,
            rate=settings.status_fault_rate,
        )
    if not settings.status_monitor:
        return
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner_app: Any) -> AsyncIterator[Any]:
        async with original(inner_app) as state:
            stop = asyncio.Event()
            task = asyncio.create_task(monitor_loop(settings, stop))
            try:
                yield state
            finally:
                stop.set()
                try:
                    await asyncio.wait_for(task, timeout=settings.status_timeout_ms / 1000 + 5)
                except (TimeoutError, asyncio.CancelledError):
                    task.cancel()
                except Exception:
                    logger.exception("status monitor stopped with an error")

    app.router.lifespan_context = lifespan
