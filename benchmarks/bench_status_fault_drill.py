"""Fault drill: one menu fails in a real ``ilteo serve``; the incident opens, shows, and closes.

1. ``ilteo serve --workers N`` starts on a fresh home with
   ``ILTEO_STATUS_FAULT_MENU=reference-search`` (every request of that menu answers 503), the
   monitor on, and small check and probe intervals.
2. A client sends traffic to that menu (occupation search, with an API key so the rate limiter
   does not interfere) for ``--fault-seconds``; the store is polled until the incident opens
   (detection delay) and the public incident page and ``/status`` show it.
3. The server is stopped and started again on the same home *without* the fault, traffic goes on,
   and the store is polled until the incident closes (recovery delay).

The injected fault's real duration is measured by the client: from the first 503 it received to
the first success from the restarted server. The incident's measured duration is
``closed_at - opened_at`` as stored. Prints one JSON object.

Run: ``uv run python benchmarks/bench_status_fault_drill.py [--fault-seconds 120]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
from bench_api_load import free_port, reference_dir, run_server
from sqlalchemy import select

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import create_account
from ilteo.identity.api_keys import MAX_LIMIT, create_api_key
from ilteo.status.incidents import as_utc
from ilteo.status.models import Incident

MENU = "reference-search"
PATH = "/v1/reference/occupations?q=" + quote("간호사")


def _api_key(settings: Settings) -> str:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account = create_account(session, login="drill", display_name="훈련")
        return create_api_key(
            session,
            account.id,
            name="drill",
            secret_key=secret,
            rate_per_minute=MAX_LIMIT,
            daily_quota=MAX_LIMIT,
        ).token


class Traffic:
    """A thread requesting the faulty menu at a steady rate, noting first failure and success."""

    def __init__(self, url: str, key: str, rate: float) -> None:
        """Request ``url`` + :data:`PATH` ``rate`` times a second with ``key``."""
        self.url = url
        self.key = key
        self.interval = 1.0 / rate
        self.stop = threading.Event()
        self.first_503: datetime | None = None
        self.success_after: datetime | None = None  # first success after recovery was armed
        self.armed = False
        self.counts: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(timeout=10) as client:
            next_at = time.monotonic()
            while not self.stop.is_set():
                sent = datetime.now(UTC)
                try:
                    code = str(client.get(self.url + PATH, headers=headers).status_code)
                except httpx.TransportError:
                    code = "down"
                self.counts[code] = self.counts.get(code, 0) + 1
                if code == "503" and self.first_503 is None:
                    self.first_503 = sent
                if code == "200" and self.armed and self.success_after is None:
                    self.success_after = sent
                next_at += self.interval
                time.sleep(max(0.0, next_at - time.monotonic()))


def _incident(settings: Settings) -> Incident | None:
    with session_scope(settings) as session:
        return session.scalars(
            select(Incident).where(Incident.menu == MENU).order_by(Incident.id.desc())
        ).first()


def _poll(check: object, deadline: float) -> float | None:
    """Seconds until ``check()`` is true, or ``None`` after ``deadline`` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if check():  # type: ignore[operator]
            return time.monotonic() - start
        time.sleep(0.1)
    return None


def main() -> None:
    """Run the drill and print its figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault-seconds", type=float, default=120.0)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check-seconds", type=float, default=2.0)
    parser.add_argument("--probe-seconds", type=float, default=5.0)
    args = parser.parse_args()
    monitor_env = {
        "ILTEO_STATUS_MONITOR": "true",
        "ILTEO_STATUS_CHECK_SECONDS": str(args.check_seconds),
        "ILTEO_STATUS_PROBE_SECONDS": str(args.probe_seconds),
        "ILTEO_STATUS_WINDOW_MINUTES": "1",
        "ILTEO_STATUS_RECOVERY_CHECKS": "3",
        "ILTEO_STATUS_FLUSH_SECONDS": "0.5",
        "ILTEO_WARM_ON_START": "false",
    }
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        settings = Settings(env="dev", home=home, reference_dir=reference_dir())
        upgrade(settings)
        key = _api_key(settings)
        port = free_port()
        fault_env = {**monitor_env, "ILTEO_STATUS_FAULT_MENU": MENU}
        with run_server(home, port, args.workers, fault_env) as url:
            traffic = Traffic(url, key, args.rate)
            traffic.thread.start()
            fault_started = time.monotonic()
            detect = _poll(lambda: _incident(settings) is not None, args.fault_seconds + 60)
            found = _incident(settings)
            incident_id = found.id if found else None
            public_page = httpx.get(f"{url}/status/incidents/{incident_id}", timeout=10)
            status_page = httpx.get(f"{url}/status", timeout=10)
            shown = {
                "public_incident_page": public_page.status_code,
                "status_page_links_it": f"/status/incidents/{incident_id}" in status_page.text,
            }
            time.sleep(max(0.0, args.fault_seconds - (time.monotonic() - fault_started)))
            traffic.armed = True
        with run_server(home, port, args.workers, monitor_env):
            _poll(lambda: (i := _incident(settings)) is not None and i.closed_at is not None, 180)
            traffic.stop.set()
            traffic.thread.join(timeout=15)
        closed = _incident(settings)
    assert closed is not None, "no incident opened"  # noqa: S101 - a benchmark's own check
    assert traffic.first_503 is not None, "the fault injected nothing"  # noqa: S101
    measured = (
        (as_utc(closed.closed_at) - as_utc(closed.opened_at)).total_seconds()
        if closed.closed_at
        else None
    )
    real = (
        (traffic.success_after - traffic.first_503).total_seconds()
        if traffic.success_after
        else None
    )
    recovery_delay = None  # the close was decided at the evaluation that set updated_at
    if closed.updated_at is not None and traffic.success_after is not None:
        recovery_delay = (as_utc(closed.updated_at) - traffic.success_after).total_seconds()
    print(
        json.dumps(
            {
                "menu": MENU,
                "workers": args.workers,
                "rate_per_second": args.rate,
                "check_seconds": args.check_seconds,
                "probe_seconds": args.probe_seconds,
                "window_minutes": 1,
                "recovery_checks": 3,
                "incident": {
                    "id": closed.id,
                    "cause": closed.cause,
                    "opened_at": as_utc(closed.opened_at).isoformat(),
                    "closed_at": as_utc(closed.closed_at).isoformat() if closed.closed_at else None,
                    "detail": closed.detail,
                },
                "detection_delay_s": round(detect, 2) if detect is not None else None,
                "shown": shown,
                "fault_real_duration_s": round(real, 2) if real is not None else None,
                "incident_measured_duration_s": round(measured, 2) if measured else None,
                "duration_error_s": round(measured - real, 2) if measured and real else None,
                "recovery_delay_s": round(recovery_delay, 2)
                if recovery_delay is not None
                else None,
                "client_status_counts": traffic.counts,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
