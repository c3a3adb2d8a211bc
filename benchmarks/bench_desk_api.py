"""Requests per second through the one window's API: ``POST /v1/desk/requests`` on a real server.

Usage::

    uv run python benchmarks/bench_desk_api.py [--repeat 3] [--duration 30] [--connections 8]
        [--workers 2] [--model-home DIR]

Each run gets a fresh home (SQLite store) and starts ``ilteo serve --workers N`` as its own
process on a free loopback port, as in production (access log, rate limiter and quotas on;
``OMP_NUM_THREADS=1`` per worker, the recommended setting). BENCHMARKS.md has ``--workers 1``
and ``--workers 2``. The classifier and the knowledge base's
embeddings are trained once into ``--model-home`` (not timed) and copied into each home, so no
run pays for training. wrk then posts the labelled set's texts (every register, SMS-short to
long narratives) as inquiries with a data steward's API key whose limits a benchmark cannot
exhaust: every request is **written, committed, triaged and committed again** before its receipt
(with the deadline) is returned, exactly what a citizen's door does.

After each run the store is read: every receipt's request must exist and be classified (none
lost, none left untriaged). Prints JSON: medians over runs of requests/second, p50/p99 (ms),
non-2xx, the requests stored and classified, and the peak RSS of each worker process (VmHWM).
Targets (issue 10): at least 30 requests/second sustained, models loaded once per process,
under 1.5 GB per process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from bench_api_load import (
    _steward_key,
    free_port,
    load_average,
    machine,
    parse_wrk,
    reference_dir,
)
from bench_desk import _texts
from sqlalchemy import func, select

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings


def _model_home(path: Path) -> Path:
    """Train the classifier and embed the knowledge base once into ``path`` (not timed)."""
    from ilteo.desk.triage import triage

    settings = Settings(env="dev", home=path, reference_dir=None)
    triage(settings, "퇴직금을 못 받았어요")
    return path


def _descendants(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            child = int(entry.name)
            children += [child, *_descendants(child)]
    return children


def _peak_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


@contextmanager
def run_server(home: Path, workers: int) -> Iterator[tuple[str, int]]:
    """``ilteo serve --workers N`` on ``home`` until the block ends: its URL and process id."""
    port = free_port()
    env = {
        **os.environ,
        "ILTEO_ENV": "dev",
        "ILTEO_HOME": str(home),
        "ILTEO_REFERENCE_DIR": str(reference_dir()),
        "ILTEO_HOST": "127.0.0.1",
        "ILTEO_PORT": str(port),
        "ILTEO_LOG_LEVEL": "INFO",
        "OMP_NUM_THREADS": "1",
    }
    ilteo = shutil.which("ilteo", path=str(Path(sys.executable).parent)) or "ilteo"
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [ilteo, "serve", "--workers", str(workers)], env=env, stdout=out, stderr=out
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ilteo serve did not start; see {log}")
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _lua(texts: list[str], key: str) -> str:
    bodies = ",\n".join(
        "[==[" + json.dumps({"text": t, "kind": "inquiry"}, ensure_ascii=True) + "]==]"
        for t in texts
    )
    return (
        f"local bodies = {{\n{bodies}\n}}\nlocal i = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        "request = function()\n  i = i + 1\n"
        "  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])\nend\n"
    )


def _warm(url: str, key: str, texts: list[str], workers: int) -> None:
    """Enough requests at once that every worker loads its models before the timed part."""

    def post(text: str) -> None:
        with httpx.Client(timeout=300) as client:
            client.post(
                f"{url}/v1/desk/requests",
                json={"text": text, "kind": "inquiry"},
                headers={"Authorization": f"Bearer {key}"},
            ).raise_for_status()

    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        list(pool.map(post, texts[: 8 * workers]))


def one_run(args: argparse.Namespace, model_home: Path) -> dict[str, object]:
    """One fresh server, warmed, then ``args.duration`` seconds of wrk; the store checked."""
    texts = _texts(600)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(model_home / "cache", home / "cache")
        settings = Settings(env="dev", home=home, reference_dir=reference_dir())
        upgrade(settings)
        key = _steward_key(settings)
        script = Path(tmp) / "post.lua"
        script.write_text(_lua(texts, key), encoding="utf-8")
        with run_server(home, args.workers) as (url, pid):
            _warm(url, key, texts, args.workers)
            command = [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                f"{url}/v1/desk/requests",
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            result: dict[str, object] = dict(parse_wrk(done.stdout))
            # the serving processes (one worker: the server itself); the supervisor is small
            workers = [p for p in [pid, *_descendants(pid)] if _peak_mib(p) > 200]
            result["worker_peak_rss_mib"] = sorted(_peak_mib(p) for p in workers)
        from ilteo.desk.models import Request

        with session_scope(settings) as session:
            stored = int(session.scalar(select(func.count()).select_from(Request)) or 0)
            classified = int(
                session.scalar(
                    select(func.count()).select_from(Request).where(Request.status == "classified")
                )
                or 0
            )
        result["stored"] = stored
        result["classified"] = classified
        result["command"] = " ".join([*command[:-3], "post.lua", "/v1/desk/requests"])
        return result


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--model-home", type=Path, default=Path(tempfile.gettempdir()) / "ilteo-bench-desk-api"
    )
    args = parser.parse_args()
    model_home = _model_home(args.model_home)
    loads, runs = [], []
    for _ in range(args.repeat):
        loads.append(load_average())
        runs.append(one_run(args, model_home))
    keys = ("requests_per_second", "p50_ms", "p99_ms")
    print(
        json.dumps(
            {
                "median": {k: statistics.median(float(r[k]) for r in runs) for k in keys},  # type: ignore[arg-type]
                "runs": runs,
                "workers": args.workers,
                "connections": args.connections,
                "duration_s": args.duration,
                "load_average_1m": loads,
                "machine": machine(),
                "targets": {"requests_per_second": 30, "rss_mib_per_process": 1536},
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
