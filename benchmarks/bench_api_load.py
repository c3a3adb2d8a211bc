"""Load a reference read endpoint of a real ``ilteo serve`` with wrk: p50, p99, requests/second.

Usage: ``uv run python benchmarks/bench_api_load.py [--repeat 3] [--duration 20]
[--connections 50] [--threads 2]``.

Each run gets a fresh home (SQLite) with the real reference data (``ILTEO_REFERENCE_DIR``, default
``../shared/data`` beside the checkout) and starts ``ilteo serve`` as its own process on a free
loopback port, as in production: uvicorn with its access log on (one line per request, written to
a file in the home), the ``/v1`` rate limiter and daily quota on. The calls carry a data steward's
API key created with the largest per-key limits (``rate_per_minute`` and ``daily_quota`` of
``MAX_LIMIT``), so every request pays for the key check, the limiter and the usage count, yet
none is refused; the anonymous limit stays at its default. wrk (a second process) then runs
``wrk -t2 -c50 -d20s --latency`` against three targets in turn:

- ``/healthz``: the cheapest route (no key, no store), the baseline of the server itself;
- ``/v1/reference/occupations?q=소프트웨어``: a search over the occupation codes;
- ``/v1/reference/occupations/ksco8/2222``: one occupation's detail.

Prints JSON: per target the medians over runs of p50/p99 (ms) and requests/second, the non-2xx
count (must be 0), the machine and the exact wrk command. Goal: p99 < 100 ms for the reference
reads at 50 concurrent connections on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.identity import create_account
from ilteo.identity.api_keys import MAX_LIMIT, create_api_key

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGETS = {
    "healthz": "/healthz",
    "occupation_search": "/v1/reference/occupations?q=" + quote("소프트웨어"),
    "occupation_detail": "/v1/reference/occupations/ksco8/2222",
}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Server:
    """A running ``ilteo serve``: its base URL, a steward's API key, its access-log file."""

    url: str
    key: str
    log: Path


def reference_dir() -> Path:
    """The real reference data the server reads."""
    return Path(os.environ.get("ILTEO_REFERENCE_DIR", DEFAULT_REFERENCE))


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _steward_key(settings: Settings) -> str:
    """A data steward with a key whose limits a benchmark cannot exhaust (limiter still on)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    with session_scope(settings) as session:
        account = create_account(
            session,
            login="bench",
            display_name="벤치",
            password="benchmark password 2026",  # noqa: S106 - a throwaway benchmark account
            roles=("data_steward",),
        )
        issued = create_api_key(
            session,
            account.id,
            name="bench",
            secret_key=secret,
            rate_per_minute=MAX_LIMIT,
            daily_quota=MAX_LIMIT,
        )
        return issued.token


@contextmanager
def run_server(
    home: Path, port: int, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``ilteo serve --workers N`` on ``home`` and ``port`` until the block ends; its URL.

    The server's output goes to ``server-<ms>.log`` in ``home`` (a new file per start).
    """
    env = {
        **os.environ,
        "ILTEO_ENV": "dev",
        "ILTEO_HOME": str(home),
        "ILTEO_REFERENCE_DIR": str(reference_dir()),
        "ILTEO_HOST": "127.0.0.1",
        "ILTEO_PORT": str(port),
        "ILTEO_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    ilteo = shutil.which("ilteo", path=str(Path(sys.executable).parent)) or "ilteo"
    log = home / f"server-{int(time.time() * 1000)}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ilteo, "serve", "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ilteo serve did not start; see {log}")
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def serve(
    home: Path, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run ``ilteo serve --workers N`` in its own process on a fresh ``home`` until the end."""
    settings = Settings(env="dev", home=home, reference_dir=reference_dir())
    upgrade(settings)
    key = _steward_key(settings)
    with run_server(home, free_port(), workers, extra_env) as url:
        log = max(home.glob("server-*.log"))
        yield Server(url=url, key=key, log=log)


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not found:
        raise ValueError(f"unexpected wrk duration {value!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    """p50/p99 (ms), requests/second, requests, non-2xx/3xx and socket errors from wrk output."""
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, flags=re.MULTILINE))
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, flags=re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, flags=re.MULTILINE)
    if not (rps and total and "50" in latency and "99" in latency):
        raise ValueError(f"cannot read wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "requests_per_second": float(rps.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def wrk_command(url: str, key: str | None, args: argparse.Namespace) -> list[str]:
    """The wrk command line for one target (the key goes in an ``Authorization`` header)."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    return [*command, "--latency", url]


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.MULTILINE)
        model = found.group(1).strip() if found else ""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "cpu": model,
        "cpus": os.cpu_count(),
    }


def load_average() -> float:
    """The 1-minute load average now: other work on the machine skews the numbers."""
    return round(os.getloadavg()[0], 2)


def _version(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip()


def warm(server: Server, workers: int) -> None:
    """Answer each target many times at once, so every worker process has its caches loaded."""
    headers = {"Authorization": f"Bearer {server.key}"}

    def hit(path: str) -> None:
        with httpx.Client(timeout=120) as client:
            for _ in range(3):
                client.get(server.url + path, headers=headers).raise_for_status()

    with ThreadPoolExecutor(max_workers=8 * workers) as pool:
        list(pool.map(hit, [p for p in TARGETS.values() for _ in range(8 * workers)]))


def measure(
    args: argparse.Namespace, workers: int, loads: list[float]
) -> tuple[dict[str, object], list[int]]:
    """``args.repeat`` runs of every target against ``workers`` processes: medians and runs."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in TARGETS}
    access_lines = []
    for _ in range(args.repeat):
        loads.append(load_average())
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "home", workers) as server:
            warm(server, workers)
            for name, path in TARGETS.items():
                key = None if name == "healthz" else server.key
                done = subprocess.run(
                    wrk_command(server.url + path, key, args),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[name].append(parse_wrk(done.stdout))
            time.sleep(0.5)  # let the access log reach the file
            access_lines.append(server.log.read_text(errors="replace").count('HTTP/1.1" '))
    med = statistics.median
    results: dict[str, object] = {
        name: {
            "p50_ms": round(med(r["p50_ms"] for r in found), 2),
            "p99_ms": round(med(r["p99_ms"] for r in found), 2),
            "requests_per_second": round(med(r["requests_per_second"] for r in found), 1),
            "non_2xx_total": sum(int(r["non_2xx"]) for r in found),
            "socket_errors_total": sum(int(r["socket_errors"]) for r in found),
            "runs": found,
        }
        for name, found in runs.items()
    }
    return results, access_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs, each on a new server")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per target")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server processes, each in turn"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run scripts/setup_system.sh as root (Debian package wrk)")
    results: dict[str, dict[str, object]] = {}
    access_lines: dict[str, list[int]] = {}
    loads: list[float] = []
    for workers in args.workers:
        found, lines = measure(args, workers, loads)
        results[f"workers_{workers}"] = found
        access_lines[f"workers_{workers}"] = lines
    shown = wrk_command("http://127.0.0.1:PORT" + TARGETS["occupation_search"], "KEY", args)
    print(
        json.dumps(
            {
                "benchmark": "api.load",
                **machine(),
                "wrk": _version(["wrk", "--version"]),
                "server": "ilteo serve --workers N (uvicorn + uvloop + httptools, access log on, "
                "rate limiter and daily quota on)",
                "rate_limits": "reference targets use a data steward's API key with "
                f"rate_per_minute = daily_quota = {MAX_LIMIT} (the largest a key may have); "
                "/healthz is outside /v1 and not limited",
                "command": " ".join(shown),
                "repeat": args.repeat,
                "targets": {name: TARGETS[name] for name in TARGETS},
                "load_average_before_runs": loads,
                "access_log_lines_per_run": access_lines,
                "results": results,
                "goal": {"reference_p99_ms": 100, "connections": args.connections},
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
