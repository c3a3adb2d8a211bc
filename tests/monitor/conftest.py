"""A small built lake for the monitoring tests: a synthetic country with one AI shock.

3,000 synthetic persons over 36 months (2023-01 to 2025-12); every clerical job (KSCO major
group 3) gets 2.5 x the separation hazard and half the hires from 2025-01 (docs/synth.md). The
lake is built and the monthly indicators computed once per test session (per xdist worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import REFERENCE_DIR

from ilteo.core.db import upgrade
from ilteo.core.settings import Settings

#: The shock the fixture country carries.
MONITOR_SHOCK = "3:2025-01:sep=2.5,hire=0.5"


@dataclass(frozen=True)
class MonitorLake:
    """Settings of a home whose lake and indicators are built, and where the country lies."""

    settings: Settings
    country: Path


@pytest.fixture(scope="session")
def monitor_lake(tmp_path_factory: pytest.TempPathFactory) -> MonitorLake:
    """The built lake (read-only for tests: copy the home to change it)."""
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
