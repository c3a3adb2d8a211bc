"""Shared fixtures of the safety tests: a scored copy of the fixture lake and small panels.

``safety_home`` copies the ``monitor_lake`` home (tests/conftest.py: a 3,000-person synthetic
country whose lake holds accidents and linked master workplaces), upgrades its database, trains
the risk model on it (``min_positives=5``: the small lake has few serious cases) and scores every
workplace, once per test session (per xdist worker). It is read-only: tests that write take
``safety_settings`` (the same lake and model, with this test's own database) or copy it.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy.orm import Session
from tests.conftest import REFERENCE_DIR
from tests.monitor.conftest import MonitorLake

from ilteo.core.db import session_scope, upgrade
from ilteo.core.settings import Settings
from ilteo.desk.models import Request as DeskRequest
from ilteo.safety import service
from ilteo.safety.panel import PanelSpec, simulate
from ilteo.safety.table import Table, validate

#: The scoring time of the fixture home (after the lake's last year).
SAFETY_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def safety_home(monitor_lake: MonitorLake, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A trained and scored copy of the fixture lake (read-only: copy it to change it)."""
    root = tmp_path_factory.mktemp("safety") / "home"
    shutil.copytree(monitor_lake.settings.home, root)
    settings = monitor_lake.settings.model_copy(update={"home": root})
    upgrade(settings)
    with session_scope(settings) as session:
        service.train(settings, session, min_positives=5)
        service.score(settings, session, now=SAFETY_NOW)
    return settings


@pytest.fixture
def safety_settings(safety_home: Settings, tmp_path: Path) -> Settings:
    """The scored fixture lake with this test's own (empty, migrated) database."""
    settings = safety_home.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'ops.db'}"})
    upgrade(settings)
    return settings


@pytest.fixture
def safety_own_home(safety_home: Settings, tmp_path: Path) -> Settings:
    """A private copy of the scored home (lake, model, database) that a test may rewrite."""
    root = tmp_path / "home"
    shutil.copytree(safety_home.home, root)
    return safety_home.model_copy(update={"home": root})


@pytest.fixture(scope="session")
def safety_reference(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with an empty home and the real reference data (panel and table checks)."""
    home = tmp_path_factory.mktemp("safety-reference") / "home"
    return Settings(env="test", home=home, reference_dir=REFERENCE_DIR)


@pytest.fixture(scope="session")
def safety_panel_20k(safety_reference: Settings) -> pl.DataFrame:
    """The default panel: 20,000 workplaces over 5 years (seed 42)."""
    return simulate(safety_reference, PanelSpec(workplaces=20_000, years=5, seed=42))


@pytest.fixture(scope="session")
def safety_table_20k(safety_panel_20k: pl.DataFrame, safety_reference: Settings) -> Table:
    """The 20k panel as a checked table."""
    return validate(
        safety_panel_20k, source="synthetic panel", synthetic=True, settings=safety_reference
    )


@pytest.fixture(scope="session")
def safety_table_3k(safety_reference: Settings) -> Table:
    """A small panel (3,000 workplaces, 5 years) as a checked table."""
    frame = simulate(safety_reference, PanelSpec(workplaces=3_000, years=5, seed=7))
    return validate(frame, source="synthetic panel", synthetic=True, settings=safety_reference)


def safety_request(
    session: Session,
    request_id: str,
    *,
    received_at: datetime,
    category: str = "safety_hazard",
    master_workplace_id: str | None = None,
    imminent: bool = False,
    acknowledged: bool = False,
    status: str = "classified",
    workplace_name: str = "가상산업(테스트)",
) -> DeskRequest:
    """A one-window request with a fake text (no contact, no personal data)."""
    request = DeskRequest(
        id=request_id,
        received_at=received_at,
        channel="web",
        kind="complaint",
        text_masked="가상 작업장의 비계가 흔들립니다",
        text_sealed="sealed",
        status=status,
        status_at=received_at,
        category=category,
        urgent=["imminent_danger"] if imminent else [],
        alerted_at=received_at if imminent else None,
        urgent_ack_at=received_at + timedelta(minutes=5) if acknowledged else None,
        master_workplace_id=master_workplace_id,
        workplace_name=workplace_name,
        office_code="1000",
        route={"office_name": "가상지청"},
        summary=["비계 흔들림", "추락 위험", "셋째 줄"],
    )
    session.add(request)
    session.flush()
    return request
