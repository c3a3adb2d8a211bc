"""Real Chromium opens pages; their real-user timing beacons arrive, plausible and CSP-clean.

The pages' accessibility is checked by the other browser tests (axe); here only the beacon and the
console: the script must load under the pages' Content-Security-Policy without a violation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import select

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.status.models import RumTiming
from ilteo.status.rum import flush_now


def _beacons(settings: Settings, app: Any, expected: int) -> list[RumTiming]:
    deadline = time.monotonic() + 15
    while True:
        flush_now(app)
        with session_scope(settings) as session:
            rows = list(session.scalars(select(RumTiming).order_by(RumTiming.id)))
        if len(rows) >= expected or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


@pytest.mark.e2e
def test_pages_send_their_real_user_timing(
    settings: Settings, chromium: Any, serve: Callable[..., AbstractContextManager[str]]
) -> None:
    upgrade(settings)
    app = create_app(settings)
    console: list[str] = []
    beacons: list[int] = []
    with serve(settings, app) as url:
        page = chromium.new_page(locale="ko-KR")
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: beacons.append(r.status) if r.url.endswith("/status/beacon") else None,
        )
        page.goto(f"{url}/")
        page.wait_for_timeout(300)  # the beacon leaves just after the load event
        page.goto(f"{url}/reference/occupations/ksco8/2222?lang=ko")
        page.wait_for_timeout(300)
        page.goto(f"{url}/reference/datasets")  # a third load: the second beacon surely left
        rows = _beacons(settings, app, 3)
        page.close()
    for row in rows:
        print(
            f"{row.route}: ttfb {row.ttfb_ms} fcp {row.fcp_ms} dcl {row.dcl_ms} load {row.load_ms}"
        )
    assert [(r.menu, r.route) for r in rows[:2]] == [
        ("home", "/"),
        ("reference-detail", "/reference/occupations/{system}/{code}"),
    ]
    for row in rows:
        assert row.navigation == "navigate"
        assert row.ttfb_ms is not None
        assert row.dcl_ms is not None
        assert 0 <= row.ttfb_ms <= row.dcl_ms <= row.load_ms < 30_000
        assert row.load_ms > 0
        assert row.fcp_ms is None or 0 < row.fcp_ms <= row.load_ms
        assert len(row.client) == 16
    assert beacons
    assert set(beacons) == {204}
    violations = [m for m in console if "Content Security Policy" in m or "rum.js" in m]
    assert not violations, violations
    assert not [m for m in console if m.startswith(("error", "pageerror"))], console
