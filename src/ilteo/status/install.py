"""Plug the status room into the app: request logging, beacon, pages, API, metrics, monitor.

Called once by :func:`ilteo.api.app.create_app`. Each part lives in its own module; this is the
one place that wires them, in this order (the request log outermost, so it times everything).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ilteo.core.settings import Settings

#: ``(module, function)`` of each part's installer, called with ``(app, settings)``.
PARTS: tuple[tuple[str, str], ...] = (
    ("ilteo.status.rum", "install_rum"),  # POST /status/beacon, the page script
    ("ilteo.status.report_routes", "install_report"),  # /status, /v1/status, Atom, CSV, MCP
    ("ilteo.status.incident_routes", "install_incidents"),  # staff incident pages
    ("ilteo.status.usability", "install_usability"),  # staff funnel page
    ("ilteo.status.metrics", "install_metrics"),  # /metrics, OpenTelemetry
    ("ilteo.status.monitor", "install_monitor"),  # checks and probes in the lifespan
    ("ilteo.status.logs", "install_request_log"),  # last added = outermost middleware
)


def install_status(app: FastAPI, settings: Settings) -> None:
    """Install every part of the status room on ``app``."""
    for module_name, function in PARTS:
        getattr(importlib.import_module(module_name), function)(app, settings)
