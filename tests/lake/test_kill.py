"""A real kill: ``ilteo lake ingest`` killed with SIGKILL mid-batch, run again, loses nothing.

The country is big enough (50,000 persons, 1.6 million monthly-wage rows) that the process is
still writing its last batch when the test kills it. The rerun must end exactly where a clean
single run ends: the same batches with the same counts, no duplicate record, no leftover file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings
from ilteo.lake.engine import connect
from ilteo.lake.ingest import stored_keys
from ilteo.lake.ledger import list_batches
from ilteo.lake.sources import list_sources

from .conftest import REFERENCE_DIR


def _env(home: Path) -> dict[str, str]:
    env = os.environ | {
        "ILTEO_HOME": str(home),
        "ILTEO_ENV": "dev",
        "ILTEO_REFERENCE_DIR": str(REFERENCE_DIR),
    }
    env.pop("ILTEO_DATABASE_URL", None)
    return env


def _ingest(country: Path, home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ilteo.cli", "lake", "ingest", str(country), "--json"],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _statuses(home: Path) -> dict[str, str]:
    try:
        with sqlite3.connect(f"file:{home / 'ilteo.db'}?mode=ro", uri=True, timeout=1) as db:
            return dict(db.execute("SELECT source, status FROM lake_batches").fetchall())
    except sqlite3.Error:
        return {}  # not migrated yet, or busy: look again


def _kill_while_writing_wages(country: Path, home: Path) -> dict[str, str]:
    """Start an ingest and SIGKILL it while it writes the monthly wages (after others are done)."""
    proc = _ingest(country, home)
    staged = home / "lake" / "staged" / "ei_wages"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"ingest ended before it could be killed: {proc.stderr and proc.stderr.read()}"
            )
        if any(staged.glob("*.tmp")) and _statuses(home).get("ei_wages") == "running":
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return _statuses(home)
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the monthly wages were never being written")


def _summary(settings: Settings) -> dict[str, tuple[str, str, int, int, int]]:
    return {
        b.source: (b.id, b.status, b.received_rows, b.accepted_rows, b.quarantined_rows)
        for b in list_batches(settings)
    }


@pytest.mark.slow
def test_a_killed_ingest_rerun_ends_like_a_clean_run(tmp_path: Path) -> None:
    from ilteo.synth import generate

    if not (REFERENCE_DIR / "ksco8-korean-occupation-codes").is_dir():
        pytest.skip(f"reference data not found at {REFERENCE_DIR}")
    country = tmp_path / "country"
    generate(country, 50_000, 9, settings=Settings(env="dev", home=tmp_path / "synth",
             reference_dir=REFERENCE_DIR))  # fmt: skip
    clean = Settings(env="dev", home=tmp_path / "clean", reference_dir=REFERENCE_DIR)
    upgrade(clean)
    run = _ingest(country, clean.home)
    assert run.wait(timeout=600) == 0, run.stderr and run.stderr.read()

    killed = Settings(env="dev", home=tmp_path / "killed", reference_dir=REFERENCE_DIR)
    at_kill = _kill_while_writing_wages(country, killed.home)

    # Killed mid-batch: the batches before count, the interrupted one does not show at all.
    assert at_kill["ei_wages"] == "running"
    assert sum(status == "done" for status in at_kill.values()) >= 1
    assert list((killed.home / "lake" / "staged" / "ei_wages").glob("*.tmp"))
    with connect(killed) as con:
        assert con.execute("SELECT count(*) FROM staged_ei_wages").fetchone() == (0,)

    rerun = _ingest(country, killed.home)
    assert rerun.wait(timeout=600) == 0, rerun.stderr and rerun.stderr.read()

    assert _summary(killed) == _summary(clean)
    assert all(status == "done" for _, status, *_ in _summary(killed).values())
    assert not list((killed.home / "lake").rglob("*.tmp"))
    with connect(killed) as con, connect(clean) as reference:
        for spec in list_sources():
            keys = ", ".join(f'"{k}"' for k in stored_keys(spec))
            sql = f"SELECT count(*), count(DISTINCT ({keys})) FROM staged_{spec.id}"  # noqa: S608
            rows, distinct = con.execute(sql).fetchone() or (0, 0)
            assert rows == distinct, f"{spec.id}: duplicated records"
            assert (rows, distinct) == reference.execute(sql).fetchone()
