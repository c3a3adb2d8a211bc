"""Training and scoring on the fixture lake; the targets queue; inspectors' outcomes."""

from __future__ import annotations

import polars as pl

from ilteo.core.settings import Settings
from ilteo.safety import service


def test_probe(safety_home: Settings) -> None:
    frame, meta = service.read_scores(safety_home)
    print(frame.shape, meta)
    print(frame.head(5))
    print(frame["notes"].value_counts())
    assert isinstance(frame, pl.DataFrame)
