"""Synthetic probes: one scheduled GET per service menu that declares a ``probe`` path.

A probe fails on a 5xx answer, a timeout (``status_timeout_ms``) or a connection error. Results are
stored like requests (:func:`ilteo.status.logs.record_requests`) with ``kind="probe"`` and client
``probe``, under the route template of the menu that the probe path matches, so they feed the
probe rollups of the status page and the incident rules (:mod:`ilteo.status.incidents`).
The requests carry ``User-Agent: ilteo-probe`` so operators can tell them apart in access logs.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from ilteo.core.settings import Settings
from ilteo.status.menus import MENUS, Menu

#: The ``User-Agent`` of probe requests.
PROBE_USER_AGENT = "ilteo-probe/1"


@dataclass(frozen=True)
class ProbeResult:
    """One probe request.

    Attributes:
        menu: The service menu id.
        route: The route template the probe path belongs to.
        path: The probed path (with its query).
        at: When the request started.
        status: The HTTP status, or 0 when no answer came (timeout, connection error).
        duration_ms: How long it took.
        failed: 5xx, timeout or connection error.
        error: Why it failed without an answer (``timeout``, ``connection``), else empty.
    """

    menu: str
    route: str
    path: str
    at: datetime
    status: int
    duration_ms: float
    failed: bool
    error: str = ""


def template_regex(template: str) -> re.Pattern[str]:
    """A regex of a route template: ``{name}`` is one path segment, ``{name:path}`` any rest.

    >>> bool(template_regex("/v1/x/{system}/{code}").match("/v1/x/ksco8/2222"))
    True
    """
    body = ""
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            body += ".+" if part.endswith(":path}") else "[^/]+"
        else:
            body += re.escape(part)
    return re.compile(f"^{body}$")


def probe_route(menu: Menu) -> str:
    """The route template of ``menu`` that its probe path matches (else the bare path).

    A ``GET`` (or ``*``) route of the menu whose template matches the probe's path is used, so the
    probe's rows are grouped like real requests to that route.
    """
    path = urlsplit(menu.probe or "/").path or "/"
    for method, template in menu.routes:
        if method in ("GET", "*") and template_regex(template).match(path):
            return template
    return path


def probed_menus() -> list[Menu]:
    """The menus that declare a probe path, in map order."""
    return [menu for menu in MENUS if menu.probe]


def probe_once(client: httpx.Client, base_url: str, menu: Menu, at: datetime) -> ProbeResult:
    """Request ``menu``'s probe path once and classify the answer."""
    path = menu.probe or "/"
    started = time.perf_counter()
    status, error = 0, ""
    try:
        response = client.get(base_url.rstrip("/") + path)
        status = response.status_code
    except httpx.TimeoutException:
        error = "timeout"
    except httpx.HTTPError:
        error = "connection"
    duration_ms = (time.perf_counter() - started) * 1000.0
    return ProbeResult(
        menu=menu.id,
        route=probe_route(menu)[:200],
        path=path,
        at=at,
        status=status,
        duration_ms=round(duration_ms, 3),
        failed=bool(error) or status >= 500,
        error=error,
    )


def run_probes(settings: Settings, base_url: str, now: datetime | None = None) -> list[ProbeResult]:
    """Probe every menu with a probe path and store the results (kind ``probe``).

    Args:
        settings: The timeout and the operational store.
        base_url: The server to probe (``http://127.0.0.1:8000``).
        now: The time to record for every probe (default: each request's start).

    Returns:
        One result per probed menu, in map order.
    """
    from ilteo.core.db import session_scope
    from ilteo.status.logs import record_requests

    timeout = settings.status_timeout_ms / 1000.0
    results = []
    with httpx.Client(
        timeout=timeout, headers={"User-Agent": PROBE_USER_AGENT, "Accept": "application/json"}
    ) as client:
        for menu in probed_menus():
            at = now or datetime.now(UTC)
            results.append(probe_once(client, base_url, menu, at))
    rows = [
        {
            "at": r.at,
            "menu": r.menu,
            "route": r.route,
            "method": "GET",
            "status": r.status,
            "duration_ms": r.duration_ms,
            "bytes": 0,
            "client": "probe",
            "kind": "probe",
            "failed": r.failed,
        }
        for r in results
    ]
    with session_scope(settings) as session:
        record_requests(session, rows, timeout_ms=settings.status_timeout_ms)
    return results
