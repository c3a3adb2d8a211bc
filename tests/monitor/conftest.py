"""The small built lake of the monitoring tests (fixture ``monitor_lake`` in tests/conftest.py).

3,000 synthetic persons over 36 months (2023-01 to 2025-12); every clerical job (KSCO major
group 3) gets 2.5 x the separation hazard and half the hires from 2025-01 (docs/synth.md). The
lake is built and the monthly indicators computed once per test session (per xdist worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ilteo.core.settings import Settings

#: The shock the fixture country carries.
MONITOR_SHOCK = "3:2025-01:sep=2.5,hire=0.5"


@dataclass(frozen=True)
class MonitorLake:
    """Settings of a home whose lake and indicators are built, and where the country lies."""

    settings: Settings
    country: Path
