"""Time full sign-ins (password + TOTP) through the web routes, and the session check per request.

Usage: ``uv run python benchmarks/bench_login.py [--sign-ins 200] [--checks 10000] [--repeat 3]``.
Each run gets a fresh home (SQLite), one account with a password and active TOTP, then drives
``GET /sign-in`` → ``POST /sign-in`` → ``POST /sign-in/totp`` with Starlette's ``TestClient``
(in-process ASGI, no sockets). The session check is timed two ways: the ``current_account``
dependency's work (open a store session, resolve the cookie, build the public view) called
directly, and the home page (``/``) with and without a valid session over HTTP.
The API-key check (``Authorization: Bearer``) is timed the same way as the session check.
Prints JSON of medians over runs.
Targets: sign-in p95 < 300 ms, session check < 2 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from ilteo.api import create_app
from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import activate_totp, create_account, create_session, enrol_totp
from ilteo.identity.accounts import to_public
from ilteo.identity.models import Account
from ilteo.identity.passwords import MEMORY_COST_KIB, PARALLELISM, TIME_COST
from ilteo.identity.sessions import COOKIE_NAME, resolve_session

PASSWORD = "benchmark password 2026"  # noqa: S105 - a throwaway benchmark password


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field"  # noqa: S101 - a benchmark sanity check
    return found.group(1)


def _pending(html: str) -> str:
    found = re.search(r'name="pending" value="([^"]+)"', html)
    assert found, "no pending token: the password step failed"  # noqa: S101 - sanity check
    return found.group(1)


def _prepare(settings: Settings) -> tuple[str, str]:
    upgrade(settings)
    with session_scope(settings) as session:
        account = create_account(session, login="bench", display_name="벤치", password=PASSWORD)
        key = settings.secret_key.get_secret_value() if settings.secret_key else ""
        secret = enrol_totp(session, account.id, key=key).secret
        earlier = time.time() - 30
        assert activate_totp(session, account.id, pyotp.TOTP(secret).at(earlier), key=key)  # noqa: S101
        return account.id, secret


def _forget_step(settings: Settings, account_id: str) -> None:
    """Let the current TOTP code be used again (replay protection would refuse it)."""
    with session_scope(settings) as session:
        session.get_one(Account, account_id).totp_last_step = None


def _sign_ins(settings: Settings, account_id: str, secret: str, n: int) -> list[float]:
    timings = []
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        for _ in range(n):
            _forget_step(settings, account_id)
            client.cookies.clear()
            started = time.perf_counter()
            csrf = _csrf(client.get("/sign-in").text)
            step1 = client.post(
                "/sign-in", data={"login": "bench", "password": PASSWORD, "csrf": csrf}
            )
            step2 = client.post(
                "/sign-in/totp",
                data={
                    "pending": _pending(step1.text),
                    "code": pyotp.TOTP(secret).now(),
                    "csrf": csrf,
                },
                follow_redirects=False,
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert step2.status_code == 303, step2.status_code  # noqa: S101 - sanity check
    return timings


def _session_checks(settings: Settings, account_id: str, n: int) -> list[float]:
    with session_scope(settings) as session:
        token = create_session(session, account_id)
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        with session_scope(settings) as session:
            found = resolve_session(session, token, client="bench")
            assert found is not None  # noqa: S101 - sanity check
            to_public(session, found)
        timings.append((time.perf_counter() - started) * 1e6)
    return timings


def _api_key_checks(settings: Settings, account_id: str, n: int) -> list[float]:
    """µs per API-key check as a request pays it: a store session, the lookup, the public view."""
    from ilteo.identity.api_keys import create_api_key, resolve_api_key

    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        token = create_api_key(session, account_id, name="bench", secret_key=key).token
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        with session_scope(settings) as session:
            found = resolve_api_key(session, token, secret_key=key, client="bench")
            assert found is not None  # noqa: S101 - sanity check
            to_public(session, found)
        timings.append((time.perf_counter() - started) * 1e6)
    return timings


def _http_overhead(settings: Settings, account_id: str, n: int) -> tuple[float, float]:
    """Median µs of the home page ``/`` with a valid session cookie and without one.

    Every page resolves the session when a cookie is present (the header's account link and the
    delegation banner, which checks for a live delegation), so the difference is the whole
    per-request cost of being signed in.
    """
    with session_scope(settings) as session:
        token = create_session(session, account_id)
    with TestClient(create_app(settings), headers={"Accept": "text/html"}) as client:
        without = []
        for _ in range(n):
            started = time.perf_counter()
            client.get("/")
            without.append((time.perf_counter() - started) * 1e6)
        client.cookies.set(COOKIE_NAME, token)
        response = client.get("/account/totp", follow_redirects=False)
        assert response.status_code == 200, response.status_code  # noqa: S101 - sanity check
        with_session = []
        for _ in range(n):
            started = time.perf_counter()
            client.get("/")
            with_session.append((time.perf_counter() - started) * 1e6)
    return statistics.median(with_session), statistics.median(without)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sign-ins", type=int, default=200, help="full sign-ins per run")
    parser.add_argument("--checks", type=int, default=10_000, help="session checks per run")
    parser.add_argument("--http", type=int, default=500, help="page requests per run and kind")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each in a new home")
    args = parser.parse_args()
    for noisy in ("httpx", "mcp"):  # one INFO line per request would drown the JSON
        logging.getLogger(noisy).setLevel(logging.WARNING)
    p50, p95, worst, check, protected, public, by_key, key_p95 = [], [], [], [], [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as home:
            settings = Settings(env="dev", home=Path(home))
            account_id, secret = _prepare(settings)
            timings = _sign_ins(settings, account_id, secret, args.sign_ins)
            p50.append(_pct(timings, 0.50))
            p95.append(_pct(timings, 0.95))
            worst.append(max(timings))
            check.append(statistics.median(_session_checks(settings, account_id, args.checks)))
            key_timings = _api_key_checks(settings, account_id, args.checks)
            by_key.append(statistics.median(key_timings))
            key_p95.append(_pct(key_timings, 0.95))
            with_session, without = _http_overhead(settings, account_id, args.http)
            protected.append(with_session)
            public.append(without)
    med = statistics.median
    print(
        json.dumps(
            {
                "benchmark": "identity.sign_in",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "argon2id": {
                    "memory_kib": MEMORY_COST_KIB,
                    "time_cost": TIME_COST,
                    "parallelism": PARALLELISM,
                },
                "repeat": args.repeat,
                "sign_ins_per_run": args.sign_ins,
                "sign_in_ms": {
                    "p50": round(med(p50), 2),
                    "p95": round(med(p95), 2),
                    "max": round(med(worst), 2),
                },
                "session_check_us_median": round(med(check), 1),
                "api_key_check_us": {
                    "median": round(med(by_key), 1),
                    "p95": round(med(key_p95), 1),
                },
                "home_page_with_session_us_median": round(med(protected), 1),
                "home_page_without_session_us_median": round(med(public), 1),
                "session_overhead_per_request_us": round(med(protected) - med(public), 1),
                "targets": {"sign_in_p95_ms": 300, "session_check_ms": 2},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
