"""Per-batch quality scores, thresholds from quality.yaml, freshness, and the alerts they raise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ilteo.core.settings import Settings
from ilteo.lake.ingest import ingest_path, ingest_records
from ilteo.lake.quality import list_alerts, list_scores, load_thresholds, measure_freshness
from ilteo.lake.sources import get_source, list_sources


def test_every_batch_is_scored_per_field(country: Path, lake_settings: Settings) -> None:
    (batch,) = ingest_path(country / "job_seekers/registrations.jsonl", settings=lake_settings)
    scores = {(s.field, s.dimension): s for s in list_scores(lake_settings, batch.id)}

    spec = get_source("job_seekers")
    for f in spec.fields:
        assert (f.name, "completeness") in scores
        assert (f.name, "validity") in scores
    assert scores[(None, "validity")].score == pytest.approx(
        batch.accepted_rows / batch.received_rows, abs=1e-6
    )
    assert scores[("registration_id", "uniqueness")].score == 1.0
    assert scores[("rrn", "validity")].score == pytest.approx(
        1 - batch.quarantined_rows / batch.received_rows, abs=1e-6
    )
    assert 0.9 < scores[("phone", "completeness")].score < 1.0  # synth: 3% of phones missing
    assert scores[("phone", "completeness")].threshold == 0.95  # quality.yaml override
    assert scores[("name", "completeness")].score == 1.0


def test_a_bad_batch_raises_alerts(lake_settings: Settings) -> None:
    rows = [
        {"workplace_mgmt_no": "12345678910", "brn": "1234567891", "name": f"가{i}",
         "ksic_code": "62010" if i % 2 else "00000", "sido_code": "11"}
        for i in range(10)
    ]  # fmt: skip
    batch = ingest_records("workplaces", rows, lake_settings)
    alerts = {(a.field, a.dimension) for a in list_alerts(lake_settings, source="workplaces")}

    assert batch.quarantined_rows == 5
    assert (None, "validity") in alerts  # half the rows quarantined
    assert ("ksic_code", "validity") in alerts
    assert ("workplace_mgmt_no", "uniqueness") in alerts  # the same key five times
    assert ("name", "validity") not in alerts


def test_freshness_is_measured_against_the_cadence(lake_settings: Settings) -> None:
    row = {"workplace_mgmt_no": "12345678910", "brn": "1234567891", "name": "가",
           "ksic_code": "62010", "sido_code": "11"}  # fmt: skip
    batch = ingest_records("workplaces", [row], lake_settings)  # monthly cadence
    assert batch.finished_at is not None

    assert measure_freshness(lake_settings, now=batch.finished_at + timedelta(days=20)) == []
    (stale,) = measure_freshness(lake_settings, now=batch.finished_at + timedelta(days=93))
    assert (stale.source, stale.dimension) == ("workplaces", "freshness")
    assert stale.score == pytest.approx(31 / 93, abs=1e-3)
    assert any(a.dimension == "freshness" for a in list_alerts(lake_settings))
    measure_freshness(lake_settings, now=batch.finished_at)  # the latest measurement counts
    assert not any(a.dimension == "freshness" for a in list_alerts(lake_settings))


def test_thresholds_name_declared_sources_and_fields() -> None:
    thresholds = load_thresholds()
    assert thresholds.version >= 1
    declared = {s.id: {f.name for f in s.fields} for s in list_sources()}
    for source, dimensions in thresholds.sources.items():
        assert source in declared
        for fields in dimensions.values():
            assert set(fields) <= declared[source], (source, set(fields) - declared[source])
