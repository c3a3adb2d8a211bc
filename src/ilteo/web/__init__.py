"""The web door: server-rendered pages (Jinja2, KRDS look, Korean first) and ``/static``.

Pages call the same room service functions as the API and the MCP tools. No JavaScript framework
and nothing from a CDN: the KRDS stylesheet and font are vendored by ``scripts/vendor_krds.py``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ilteo.core.settings import Settings
from ilteo.web.errors import install_page_error_handlers
from ilteo.web.rendering import STATIC_DIR

__all__ = ["mount_web"]


def mount_web(app: FastAPI, settings: Settings) -> None:
    """Add the web pages, their error pages and ``/static`` to ``app``.

    Args:
        app: The application built by :func:`ilteo.api.create_app`.
        settings: The settings the pages' room calls use; views read them from
            ``app.state.settings``, set here unless the app factory already did.
    """
    from ilteo.web.views import (
        api_keys,
        benefits,
        benefits_notices,
        counter,
        delegation,
        desk,
        desk_staff,
        home,
        identity,
        lake,
        monitor,
        monitor_crosswalk,
        monitor_risk,
        oidc,
        passkeys,
        pathways,
        phone,
        reference,
        safety,
        safety_report,
        sign_in_report,
    )

    if getattr(app.state, "settings", None) is None:
        app.state.settings = settings
    app.include_router(home.router)
    app.include_router(reference.router)
    app.include_router(lake.router)
    app.include_router(monitor.router)
    app.include_router(monitor_risk.router)
    app.include_router(monitor_crosswalk.router)  # the published crosswalk page
    app.include_router(pathways.router)  # next jobs and training (issue 8)
    app.include_router(benefits.router)  # the benefits check page (issue 9)
    app.include_router(benefits_notices.router)  # notices, consent applications, staff (issue 9)
    app.include_router(desk.router)  # the one window's citizen pages (issue 10)
    app.include_router(desk_staff.router)  # one window: staff pages, public stats (issue 10)
    app.include_router(safety.router)  # accident risk: public summary, monitoring room (issue 11)
    app.include_router(safety_report.router)  # the accident and disaster data report (issue 11)
    identity.install_identity(app)
    for module in (passkeys, phone, counter, oidc, delegation, api_keys, sign_in_report):
        app.include_router(module.router)
    oidc.install_dev_provider(app, settings)  # development OpenID provider, dev/test only
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_error_handlers(app)
