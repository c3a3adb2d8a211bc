"""What a data steward reads from the ledger: sources and freshness, batches, quarantine, quality.

Read-only views over the operational-store tables of the lake (``lake_batches``,
``lake_quarantine``, ``lake_quality``) and the source declarations. Before anything was ingested
(or before the store was migrated) every function answers with empty results, never an error, so
the pages and the API can say "nothing ingested yet" instead of failing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Final

from sqlalchemy import case, func, inspect, select

from ilteo.core.db import engine_for, session_scope
from ilteo.core.settings import Settings
from ilteo.lake.models import LakeBatch, LakeQualityScore, LakeQuarantineRow
from ilteo.lake.spec import SourceSpec
from ilteo.lake.steward_schemas import (
    BatchSummary,
    Freshness,
    FreshnessStatus,
    QualityOverview,
    QualityPoint,
    QualityScore,
    QualitySeries,
    QuarantineGroup,
    QuarantineSummary,
    SourceStatus,
)

__all__ = [
    "SourceTotals",
    "declared_sources",
    "freshness",
    "ledger_ready",
    "list_batch_summaries",
    "list_quality_alerts",
    "list_source_status",
    "quality_overview",
    "quarantine_summary",
    "source_totals",
]

#: Points kept per quality trend (the most recent ones).
TREND_POINTS: Final = 24
#: An unmasked resident registration number (a safety net: quarantine values arrive masked).
_RRN_PATTERN: Final = re.compile(r"(\d{6})-?([1-8])\d{6}")


def declared_sources(sources: Sequence[SourceSpec] | None = None) -> tuple[SourceSpec, ...]:
    """The source declarations: ``sources`` when given (tests), else :mod:`ilteo.lake.sources`."""
    if sources is not None:
        return tuple(sources)
    from ilteo.lake.sources import list_sources

    return tuple(list_sources())


def ledger_ready(settings: Settings) -> bool:
    """Whether the operational store has the lake's ledger tables (it was migrated)."""
    return bool(inspect(engine_for(settings)).has_table(LakeBatch.__tablename__))


def as_utc(value: datetime) -> datetime:
    """Treat a naive timestamp (SQLite drops the zone) as UTC.

    >>> as_utc(datetime(2025, 1, 1)).isoformat()
    '2025-01-01T00:00:00+00:00'
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def freshness(cadence: str, last_batch_at: datetime | None, now: datetime) -> Freshness:
    """How fresh a source is, scored as the quality room scores it.

    The score is 1 while the last batch is younger than the cadence (``fresh``), then cadence ÷
    age (``late``); the source is ``stale`` — an alert — when the score falls below the freshness
    threshold of ``quality.yaml`` (:data:`ilteo.lake.quality.CADENCE_DAYS`).

    >>> now = datetime(2025, 3, 10, tzinfo=UTC)
    >>> freshness("daily", datetime(2025, 3, 9, tzinfo=UTC), now).status
    'fresh'
    >>> freshness("weekly", datetime(2025, 3, 1, tzinfo=UTC), now).status
    'late'
    >>> freshness("daily", datetime(2025, 3, 1, tzinfo=UTC), now).status
    'stale'
    >>> freshness("monthly", None, now).status
    'never'
    """
    from ilteo.lake.quality import CADENCE_DAYS, load_thresholds

    days = CADENCE_DAYS.get(cadence, CADENCE_DAYS["monthly"])
    threshold = float(load_thresholds().defaults["freshness"])
    allowed = days * 24 / threshold if threshold > 0 else float("inf")
    if last_batch_at is None:
        return Freshness(
            status="never",
            cadence=cadence,
            last_batch_at=None,
            age_hours=None,
            score=None,
            allowed_hours=allowed,
        )
    last = as_utc(last_batch_at)
    age = max((now - last).total_seconds() / 3600, 0.0)
    score = 1.0 if age <= days * 24 else days * 24 / age
    status: FreshnessStatus = "fresh" if score >= 1.0 else "late"
    return Freshness(
        status=status if score >= threshold else "stale",
        cadence=cadence,
        last_batch_at=last,
        age_hours=round(age, 2),
        score=round(score, 4),
        allowed_hours=allowed,
    )


def mask_value(value: str | None) -> str | None:
    """Hide any resident registration number left unmasked in a quarantined value.

    >>> mask_value("900101-1234567"), mask_value("9001011234567"), mask_value("abc")
    ('900101-1******', '900101-1******', 'abc')
    """
    if value is None:
        return None
    return _RRN_PATTERN.sub(lambda m: f"{m.group(1)}-{m.group(2)}******", value)


@dataclass
class SourceTotals:
    """Counts over one source's batches; rows count finished (``done``) batches only."""

    done: int = 0
    rejected: int = 0
    failed: int = 0
    received: int = 0
    accepted: int = 0
    quarantined: int = 0
    last_id: str | None = None
    last_at: datetime | None = None


def source_totals(settings: Settings) -> dict[str, SourceTotals]:
    """Batch and row counts per source id, with the last finished batch."""
    totals: dict[str, SourceTotals] = defaultdict(SourceTotals)
    if not ledger_ready(settings):
        return totals
    with session_scope(settings) as session:
        for batch in session.scalars(select(LakeBatch).order_by(LakeBatch.started_at)):
            row = totals[batch.source]
            if batch.status == "rejected":
                row.rejected += 1
            elif batch.status == "failed":
                row.failed += 1
            if batch.status != "done":
                continue
            row.done += 1
            row.received += batch.received_rows
            row.accepted += batch.accepted_rows
            row.quarantined += batch.quarantined_rows
            finished = as_utc(batch.finished_at or batch.started_at)
            if row.last_at is None or finished >= row.last_at:
                row.last_at, row.last_id = finished, batch.id
    return totals


def _open_quarantine(settings: Settings) -> dict[str, int]:
    if not ledger_ready(settings):
        return {}
    with session_scope(settings) as session:
        rows = session.execute(
            select(LakeQuarantineRow.source, func.count())
            .where(LakeQuarantineRow.status == "open")
            .group_by(LakeQuarantineRow.source)
        )
        return {source: int(count) for source, count in rows}


def list_source_status(
    settings: Settings,
    *,
    sources: Sequence[SourceSpec] | None = None,
    now: datetime | None = None,
) -> list[SourceStatus]:
    """Every declared source with its batch counts, last batch, freshness and open alerts.

    Args:
        settings: Whose operational store and lake to read.
        sources: Source declarations to use instead of :mod:`ilteo.lake.sources`.
        now: The time freshness is measured at (now when omitted).
    """
    now = now or datetime.now(UTC)
    totals = source_totals(settings)
    open_rows = _open_quarantine(settings)
    alerts: dict[str, int] = defaultdict(int)
    for score in quality_overview(settings).alerts:
        alerts[score.source] += 1
    result = []
    for spec in declared_sources(sources):
        row = totals.get(spec.id, SourceTotals())
        result.append(
            SourceStatus(
                id=spec.id,
                title_ko=spec.title_ko,
                title_en=spec.title_en,
                owner=spec.owner,
                system=spec.system,
                cadence=spec.cadence,
                entity=spec.entity,
                file_format=spec.file_format,
                batches_done=row.done,
                batches_rejected=row.rejected,
                batches_failed=row.failed,
                received_rows=row.received,
                accepted_rows=row.accepted,
                quarantined_rows=row.quarantined,
                open_quarantine_rows=open_rows.get(spec.id, 0),
                last_batch_id=row.last_id,
                freshness=freshness(spec.cadence, row.last_at, now),
                alerts=alerts.get(spec.id, 0),
            )
        )
    return result


def list_batch_summaries(
    settings: Settings, *, source: str | None = None, limit: int = 100
) -> list[BatchSummary]:
    """The most recent batches, newest first (only the file name of their origin is shown)."""
    if not ledger_ready(settings):
        return []
    query = select(LakeBatch).order_by(LakeBatch.started_at.desc(), LakeBatch.id).limit(limit)
    if source:
        query = query.where(LakeBatch.source == source)
    with session_scope(settings) as session:
        return [
            BatchSummary(
                id=batch.id,
                source=batch.source,
                status=batch.status,
                origin=PurePath(batch.origin).name or batch.origin,
                file_format=batch.file_format,
                received_rows=batch.received_rows,
                accepted_rows=batch.accepted_rows,
                quarantined_rows=batch.quarantined_rows,
                started_at=as_utc(batch.started_at),
                finished_at=as_utc(batch.finished_at) if batch.finished_at else None,
                reason=batch.reason,
                retry_of=batch.retry_of,
            )
            for batch in session.scalars(query)
        ]


def quarantine_summary(
    settings: Settings, *, source: str | None = None, examples: int = 3
) -> QuarantineSummary:
    """Quarantined rows counted by source, rule and column, with a few masked example values."""
    if not ledger_ready(settings):
        return QuarantineSummary(total_rows=0, open_rows=0, groups=[])
    key = (LakeQuarantineRow.source, LakeQuarantineRow.rule, LakeQuarantineRow.column)
    opened = func.sum(case((LakeQuarantineRow.status == "open", 1), else_=0))
    counts = select(*key, func.count(), opened).group_by(*key).order_by(func.count().desc())
    samples = select(*key, LakeQuarantineRow.value).where(LakeQuarantineRow.value.is_not(None))
    if source:
        counts = counts.where(LakeQuarantineRow.source == source)
        samples = samples.where(LakeQuarantineRow.source == source)
    found: dict[tuple[str, str, str | None], list[str]] = defaultdict(list)
    with session_scope(settings) as session:
        rows = session.execute(counts).all()
        for src, rule, column, value in session.execute(samples.limit(5000)):
            shown = found[(src, rule, column)]
            masked = mask_value(value)
            if masked is not None and masked not in shown and len(shown) < examples:
                shown.append(masked)
    groups = [
        QuarantineGroup(
            source=src,
            rule=rule,
            column=column,
            rows=int(total),
            open_rows=int(open_count or 0),
            examples=found.get((src, rule, column), []),
        )
        for src, rule, column, total, open_count in rows
    ]
    return QuarantineSummary(
        total_rows=sum(g.rows for g in groups),
        open_rows=sum(g.open_rows for g in groups),
        groups=groups,
    )


def _score(row: LakeQualityScore) -> QualityScore:
    return QualityScore(
        batch_id=row.batch_id,
        source=row.source,
        field=row.field,
        dimension=row.dimension,
        score=row.score,
        threshold=row.threshold,
        below_threshold=row.below_threshold,
        measured_at=as_utc(row.measured_at),
    )


def _series(scores: Sequence[QualityScore]) -> list[QualitySeries]:
    """Group scores into one trend per source and dimension, one point per measurement."""
    grouped: dict[tuple[str, str], dict[str, list[QualityScore]]] = defaultdict(dict)
    for score in scores:
        point = score.batch_id or score.measured_at.isoformat()
        grouped[(score.source, score.dimension)].setdefault(point, []).append(score)
    series = []
    for (source, dimension), points in sorted(grouped.items()):
        made = []
        for members in points.values():
            worst = min(members, key=lambda s: s.score)
            made.append(
                QualityPoint(
                    batch_id=members[0].batch_id,
                    measured_at=max(m.measured_at for m in members),
                    mean_score=round(sum(m.score for m in members) / len(members), 4),
                    min_score=worst.score,
                    worst_field=worst.field,
                    fields_below=sum(m.below_threshold for m in members),
                )
            )
        made.sort(key=lambda p: p.measured_at)
        series.append(
            QualitySeries(source=source, dimension=dimension, points=made[-TREND_POINTS:])
        )
    return series


def quality_overview(
    settings: Settings, *, source: str | None = None, dimension: str | None = None
) -> QualityOverview:
    """The latest score of every source, field and dimension, the current alerts, and trends.

    Alerts are those of :func:`list_quality_alerts`: a later measurement above the threshold
    (a new batch, a new consistency run) clears them.
    """
    if not ledger_ready(settings):
        return QualityOverview(latest=[], alerts=[], series=[])
    query = select(LakeQualityScore).order_by(LakeQualityScore.measured_at, LakeQualityScore.id)
    if source:
        query = query.where(LakeQualityScore.source == source)
    if dimension:
        query = query.where(LakeQualityScore.dimension == dimension)
    with session_scope(settings) as session:
        scores = [_score(row) for row in session.scalars(query)]
    latest: dict[tuple[str, str | None, str], QualityScore] = {}
    for score in scores:
        latest[(score.source, score.field, score.dimension)] = score
    ordered = sorted(latest.values(), key=lambda s: (s.source, s.dimension, s.field or ""))
    return QualityOverview(
        latest=ordered,
        alerts=list_quality_alerts(settings, source=source, dimension=dimension),
        series=_series(scores),
    )


def list_quality_alerts(
    settings: Settings, *, source: str | None = None, dimension: str | None = None
) -> list[QualityScore]:
    """Current alerts as :func:`ilteo.lake.quality.list_alerts` defines them.

    The below-threshold scores of each source's latest batch, and the latest freshness and
    consistency scores that are below threshold.
    """
    if not ledger_ready(settings):
        return []
    from ilteo.lake.quality import list_alerts

    return sorted(
        (
            QualityScore(
                batch_id=alert.batch_id,
                source=alert.source,
                field=alert.field,
                dimension=alert.dimension,
                score=alert.score,
                threshold=alert.threshold,
                below_threshold=True,
                measured_at=as_utc(alert.measured_at),
            )
            for alert in list_alerts(settings, source=source)
            if dimension in (None, alert.dimension)
        ),
        key=lambda s: (s.source, s.dimension, s.field or ""),
    )
