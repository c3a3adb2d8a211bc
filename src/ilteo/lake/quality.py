"""Per-batch data quality: completeness, validity, uniqueness and freshness, with alerts.

Scores are measured while a batch is ingested (from the contract's counts and, for uniqueness,
the staged file) and committed with the batch (``lake_quality``); freshness is measured per source
by :func:`measure_freshness`. Thresholds come from the versioned ``quality.yaml`` beside this
module. Cross-source consistency scores are written to the same table by
:mod:`ilteo.lake.consistency` (dimension ``consistency``); :func:`list_alerts` lists them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from ilteo.core.db import session_scope
from ilteo.core.settings import Settings
from ilteo.lake.models import LakeBatch, LakeQualityScore
from ilteo.lake.spec import SourceSpec

__all__ = [
    "CADENCE_DAYS",
    "BatchCounts",
    "QualityAlert",
    "Thresholds",
    "batch_scores",
    "list_alerts",
    "list_scores",
    "load_thresholds",
    "measure_freshness",
]

THRESHOLDS_FILE: Final = Path(__file__).with_name("quality.yaml")
#: Days per cadence: a source is fresh while its last batch is younger than this.
CADENCE_DAYS: Final[dict[str, float]] = {
    "live": 1.0,
    "daily": 1.0,
    "weekly": 7.0,
    "monthly": 31.0,
    "quarterly": 92.0,
    "yearly": 366.0,
}


@dataclass(frozen=True)
class Thresholds:
    """The thresholds of ``quality.yaml``."""

    version: int
    defaults: Mapping[str, float]
    sources: Mapping[str, Mapping[str, Mapping[str, float]]]

    def field(self, spec: SourceSpec, name: str, dimension: str) -> float:
        """The threshold of one field's ``completeness`` or ``validity`` in ``spec``."""
        override = self.sources.get(spec.id, {}).get(dimension, {})
        if name in override:
            return float(override[name])
        if dimension == "completeness":
            required = spec.field(name).required
            return float(self.defaults[f"completeness_{'required' if required else 'optional'}"])
        return float(self.defaults[dimension])


@lru_cache(maxsize=4)
def load_thresholds(path: Path = THRESHOLDS_FILE) -> Thresholds:
    """Read the thresholds (cached)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Thresholds(int(data["version"]), data["defaults"], data.get("sources") or {})


@dataclass
class BatchCounts:
    """Counts gathered over the chunks of a batch."""

    received: int = 0
    accepted: int = 0
    quarantined: int = 0
    present: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    def add(
        self, received: int, accepted: int, present: Mapping[str, int], failed: Mapping[str, int]
    ) -> None:
        """Add one chunk's counts."""
        self.received += received
        self.accepted += accepted
        self.quarantined += received - accepted
        for name, count in present.items():
            self.present[name] = self.present.get(name, 0) + count
        for name, count in failed.items():
            self.failed[name] = self.failed.get(name, 0) + count


def _row(name: str | None, dimension: str, score: float, threshold: float) -> dict[str, Any]:
    score = round(min(1.0, max(0.0, score)), 6)
    return {
        "field": name,
        "dimension": dimension,
        "score": score,
        "threshold": threshold,
        "below_threshold": score < threshold,
    }


def batch_scores(
    spec: SourceSpec, counts: BatchCounts, distinct_keys: int | None
) -> list[dict[str, Any]]:
    """Quality rows of one batch (for :func:`ilteo.lake.ledger.finish_batch`).

    Args:
        spec: The source.
        counts: Counts over the batch.
        distinct_keys: Distinct natural keys among accepted rows (``None``: not measured).

    >>> from ilteo.lake.sources import get_source
    >>> counts = BatchCounts(10, 9, 1, {"wage_won": 10}, {"wage_won": 1})
    >>> rows = batch_scores(get_source("ei_wages"), counts, 9)
    >>> [(r["field"], r["dimension"], r["score"]) for r in rows][:2]
    [(None, 'validity', 0.9), ('rrn+workplace_mgmt_no+wage_month', 'uniqueness', 1.0)]
    """
    if counts.received == 0:
        return []
    thresholds = load_thresholds()
    rows = [
        _row(
            None,
            "validity",
            counts.accepted / counts.received,
            thresholds.defaults["batch_validity"],
        )
    ]
    if distinct_keys is not None and counts.accepted:
        rows.append(
            _row(
                "+".join(spec.keys) if len(spec.keys) > 1 else spec.keys[0],
                "uniqueness",
                distinct_keys / counts.accepted,
                float(thresholds.defaults["uniqueness"]),
            )
        )
    for f in spec.fields:
        present = counts.present.get(f.name, 0) / counts.received
        valid = 1 - counts.failed.get(f.name, 0) / counts.received
        rows.append(
            _row(f.name, "completeness", present, thresholds.field(spec, f.name, "completeness"))
        )
        rows.append(_row(f.name, "validity", valid, thresholds.field(spec, f.name, "validity")))
    return rows


class QualityAlert(BaseModel):
    """A quality score below its threshold."""

    source: str
    batch_id: str | None = Field(None, description="배치 (신선도·일관성은 없음) / batch, if any")
    field: str | None = None
    dimension: str
    score: float
    threshold: float
    measured_at: datetime


def _alert(row: LakeQualityScore) -> QualityAlert:
    return QualityAlert.model_validate(row, from_attributes=True)


def measure_freshness(
    settings: Settings, specs: list[SourceSpec] | None = None, now: datetime | None = None
) -> list[QualityAlert]:
    """Score every source's freshness now and record it; return the sources below threshold.

    Sources that never sent a batch are not scored (nothing to be fresh about yet).
    """
    from ilteo.lake.sources import list_sources

    specs = specs if specs is not None else list_sources()
    now = now or datetime.now(UTC)
    threshold = float(load_thresholds().defaults["freshness"])
    with session_scope(settings) as session:
        query = (
            select(LakeBatch.source, func.max(LakeBatch.finished_at))
            .where(LakeBatch.status == "done")
            .group_by(LakeBatch.source)
        )
        last: dict[str, datetime | None] = dict(session.execute(query).all())
        rows = []
        for spec in specs:
            finished = last.get(spec.id)
            if finished is None:
                continue
            finished = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
            age = max((now - finished).total_seconds() / 86400, 0.0)
            cadence = CADENCE_DAYS[spec.cadence]
            score = 1.0 if age <= cadence else cadence / age
            values = _row(None, "freshness", score, threshold)
            rows.append(LakeQualityScore(source=spec.id, batch_id=None, measured_at=now, **values))
        session.add_all(rows)
        session.flush()
        return [_alert(r) for r in rows if r.below_threshold]


def list_scores(settings: Settings, batch_id: str) -> list[QualityAlert]:
    """Every score of one batch (``QualityAlert`` rows, whether below threshold or not)."""
    with session_scope(settings) as session:
        query = select(LakeQualityScore).where(LakeQualityScore.batch_id == batch_id)
        return [_alert(r) for r in session.scalars(query.order_by(LakeQualityScore.id))]


def list_alerts(settings: Settings, source: str | None = None) -> list[QualityAlert]:
    """Current alerts: scores below their threshold.

    That is, the below-threshold scores of each source's latest committed batch, and the latest
    freshness and consistency scores (per source, field and dimension) when below threshold.
    """
    with session_scope(settings) as session:
        latest_batch = (
            select(LakeBatch.source, func.max(LakeBatch.finished_at).label("at"))
            .where(LakeBatch.status == "done")
            .group_by(LakeBatch.source)
            .subquery()
        )
        batches = select(LakeBatch.id).join(
            latest_batch,
            (LakeBatch.source == latest_batch.c.source)
            & (LakeBatch.finished_at == latest_batch.c.at),
        )
        of_batches = select(LakeQualityScore).where(
            LakeQualityScore.batch_id.in_(batches), LakeQualityScore.below_threshold.is_(True)
        )
        newest = (
            select(func.max(LakeQualityScore.id))
            .where(LakeQualityScore.batch_id.is_(None))
            .group_by(LakeQualityScore.source, LakeQualityScore.field, LakeQualityScore.dimension)
        )
        unbatched = select(LakeQualityScore).where(
            LakeQualityScore.id.in_(newest), LakeQualityScore.below_threshold.is_(True)
        )
        rows = [*session.scalars(of_batches), *session.scalars(unbatched)]
    alerts = [_alert(r) for r in rows if source is None or r.source == source]
    return sorted(alerts, key=lambda a: (a.source, a.dimension, a.field or ""))
