"""Shared fixtures: a fresh home, settings, and an operational store on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ilteo.core.settings import Settings

if TYPE_CHECKING:
    from tests.monitor.conftest import MonitorLake

# Test servers start cold: a background warm-up per app would only compete with the tests.
os.environ.setdefault("ILTEO_WARM_ON_START", "false")
# ... and without the status monitor's background checks and probes (its tests start it).
os.environ.setdefault("ILTEO_STATUS_MONITOR", "false")

#: Where the real public reference data lives (``../shared/data`` beside the checkout by default).
REFERENCE_DIR = Path(
    os.environ.get("ILTEO_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)
#: An admin URL of a PostgreSQL server the tests may create databases on.
POSTGRES_ADMIN_URL = os.environ.get(
    "ILTEO_TEST_POSTGRES_URL", "postgresql://ilteo_test:ilteo_test@127.0.0.1:5432/postgres"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Development settings with their own home and the real reference data."""
    return Settings(env="dev", home=tmp_path / "home", reference_dir=REFERENCE_DIR)


@contextmanager
def _postgres_database() -> Iterator[str]:
    import psycopg

    name = f"ilteo_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise  # CI starts PostgreSQL (scripts/setup_system.sh): its absence is a failure there
        pytest.skip(
            f"PostgreSQL is not reachable at ILTEO_TEST_POSTGRES_URL ({type(exc).__name__}); "
            "run scripts/setup_system.sh as root to start it"
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from ilteo.core.db import get_engine

        get_engine(f"{base}/{name}").dispose()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings whose operational store is a fresh SQLite file or a fresh PostgreSQL database."""
    home = tmp_path / "home"
    if request.param == "sqlite":
        yield Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)
        return
    with _postgres_database() as url:
        yield Settings(env="dev", home=home, reference_dir=REFERENCE_DIR, database_url=url)


@contextmanager
def serve_app(settings: Settings, app: Any = None) -> Iterator[str]:
    """Serve the whole app (migrated) with uvicorn in a thread on a free 127.0.0.1 port.

    ``app`` is ``create_app(settings)`` unless the test built (and adjusted) its own.
    """
    import uvicorn

    from ilteo.api import create_app
    from ilteo.core.db import upgrade

    upgrade(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = app if app is not None else create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def serve() -> Callable[[Settings], AbstractContextManager[str]]:
    """``with serve(settings) as url:`` runs the app on a free local port for the block."""
    return serve_app


@pytest.fixture(scope="session")
def pathways_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home per test worker for the occupation profiles, course index and exposure caches.

    They depend on the reference data only and take minutes to build (e5 embeddings of 1,016
    occupations and 807 courses, the KSCO crosswalk): build them once, not once per test.
    """
    home = tmp_path_factory.mktemp("pathways") / "home"
    return Settings(env="dev", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="session")
def desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home per test worker for the desk's classifier and knowledge-base caches.

    The classifier trains on the labelled set on first use (e5 embeddings of about a thousand
    texts): once per worker, not once per test.
    """
    home = tmp_path_factory.mktemp("desk") / "home"
    return Settings(env="test", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="session")
def monitor_lake(tmp_path_factory: pytest.TempPathFactory) -> MonitorLake:
    """A built lake with one AI shock (tests/monitor/conftest.py); read-only: copy to change it."""
    from tests.monitor.conftest import MONITOR_SHOCK, MonitorLake

    from ilteo.core.db import upgrade
    from ilteo.lake.pipeline import build_lake
    from ilteo.monitor.indicators import build_indicators
    from ilteo.synth import generate, parse_shock

    root = tmp_path_factory.mktemp("monitor-lake")
    settings = Settings(env="test", home=root / "home", reference_dir=REFERENCE_DIR)
    upgrade(settings)
    country = root / "country"
    generate(country, 3_000, 11, shocks=parse_shock(MONITOR_SHOCK), settings=settings)
    build_lake(country, settings)
    build_indicators(settings)
    return MonitorLake(settings, country)
