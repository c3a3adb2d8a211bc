"""Quarantined rows: list them, show why they failed, and retry them with corrections.

Nothing that fails a contract is dropped: the row is kept in ``quarantine/<source>/<batch>.parquet``
(as received, RRN already hashed) and indexed in ``lake_quarantine`` with its rule, column and
masked value. A retry runs the contract again on a batch's open rows, with corrections from a fix
file (``{"row_number": 12, "생년월일": "19870520"}`` per line) and fields to clear (``rrn``, so an
unreliable number no longer blocks the row and linkage can find the person by name, birth date and
phone). The retry is a new batch (``retry_of`` the original) through the same path as any other:
rows that pass are staged and marked ``fixed`` in the original batch, rows that still fail are
quarantined in the new batch (and marked ``retried`` in the original), so every batch stays
balanced and every failing row is open in exactly one batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel
from sqlalchemy import func, select

from ilteo.core.db import session_scope
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings, get_settings
from ilteo.lake.ingest import BatchResult, run_batch
from ilteo.lake.layout import LakePaths
from ilteo.lake.ledger import BatchPublic, get_batch
from ilteo.lake.models import LakeBatch, LakeQuarantineRow
from ilteo.lake.protect import derived_columns
from ilteo.lake.readers import Chunk
from ilteo.lake.sources import get_source
from ilteo.lake.spec import SourceSpec

__all__ = [
    "QuarantineBatch",
    "QuarantineDetail",
    "QuarantineRowPublic",
    "get_quarantine",
    "list_quarantine",
    "read_fixes",
    "retry_quarantine",
]


class QuarantineBatch(BaseModel):
    """A batch with quarantined rows, and where those rows stand."""

    batch_id: str
    source: str
    received_rows: int
    quarantined_rows: int
    open_rows: int
    fixed_rows: int
    retried_rows: int
    retry_of: str | None = None
    finished_at: datetime | None = None
    rules: dict[str, int]


class QuarantineRowPublic(BaseModel):
    """One failure of one quarantined row (the value masked when personal)."""

    row_number: int
    rule: str
    column: str | None
    value: str | None
    status: str
    resolved_batch_id: str | None = None


class QuarantineDetail(BaseModel):
    """A batch's quarantine: the batch and its failures."""

    batch: BatchPublic
    rows: list[QuarantineRowPublic]
    total: int


def list_quarantine(
    settings: Settings | None = None, *, source: str | None = None, status: str | None = None
) -> list[QuarantineBatch]:
    """Batches with quarantined rows, the newest first.

    Args:
        settings: The ledger.
        source: Only this source.
        status: Only batches with rows in this state (``open``, ``fixed``, ``retried``).
    """
    settings = settings or get_settings()
    q = LakeQuarantineRow
    with session_scope(settings) as session:
        batches = select(LakeBatch).where(
            LakeBatch.status == "done", LakeBatch.quarantined_rows > 0
        )
        if source:
            batches = batches.where(LakeBatch.source == source)
        rows = list(session.scalars(batches.order_by(LakeBatch.finished_at.desc())))
        ids = [b.id for b in rows]
        states = session.execute(
            select(q.batch_id, q.status, func.count(func.distinct(q.row_number)))
            .where(q.batch_id.in_(ids))
            .group_by(q.batch_id, q.status)
        ).all()
        by_state: dict[str, dict[str, int]] = {}
        for batch_id, state, count in states:
            by_state.setdefault(batch_id, {})[state] = count
        rules: dict[str, dict[str, int]] = {}
        for batch_id, rule, count in session.execute(
            select(q.batch_id, q.rule, func.count())
            .where(q.batch_id.in_(ids), q.status == "open")
            .group_by(q.batch_id, q.rule)
        ).all():
            rules.setdefault(batch_id, {})[rule] = count
    out = [
        QuarantineBatch(
            batch_id=b.id,
            source=b.source,
            received_rows=b.received_rows,
            quarantined_rows=b.quarantined_rows,
            open_rows=by_state.get(b.id, {}).get("open", 0),
            fixed_rows=by_state.get(b.id, {}).get("fixed", 0),
            retried_rows=by_state.get(b.id, {}).get("retried", 0),
            retry_of=b.retry_of,
            finished_at=b.finished_at,
            rules=dict(sorted(rules.get(b.id, {}).items(), key=lambda kv: -kv[1])),
        )
        for b in rows
    ]
    key = {"open": "open_rows", "fixed": "fixed_rows", "retried": "retried_rows"}.get(status or "")
    return [b for b in out if getattr(b, key) > 0] if key else out


def get_quarantine(
    settings: Settings | None, batch_id: str, *, limit: int = 100, offset: int = 0
) -> QuarantineDetail:
    """The failures of one batch's quarantined rows, by row number.

    Raises:
        NotFoundError: No such batch.
    """
    settings = settings or get_settings()
    batch = get_batch(settings, batch_id)
    q = LakeQuarantineRow
    with session_scope(settings) as session:
        total = session.scalar(select(func.count()).where(q.batch_id == batch_id)) or 0
        found = session.scalars(
            select(q)
            .where(q.batch_id == batch_id)
            .order_by(q.row_number, q.id)
            .offset(offset)
            .limit(limit)
        )
        rows = [QuarantineRowPublic.model_validate(r, from_attributes=True) for r in found]
    return QuarantineDetail(batch=batch, rows=rows, total=total)


def read_fixes(path: Path) -> list[dict[str, Any]]:
    """Read a fix file: JSON Lines of ``{"row_number": n, "<field>": new value, ...}``.

    Raises:
        InvalidInputError: Unreadable, not objects, or without a whole ``row_number``.
    """
    fixes = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"수정 파일을 읽을 수 없습니다 / cannot read the fix file: {exc}"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fix = json.loads(line)
        except ValueError:
            fix = None
        if not isinstance(fix, dict) or not isinstance(fix.get("row_number"), int):
            raise InvalidInputError(
                f"수정 파일 {number}번째 줄: row_number가 있는 JSON 객체여야 합니다 / fix "
                f"file line {number}: expected a JSON object with a whole row_number"
            )
        fixes.append(fix)
    return fixes


def _open_rows(settings: Settings, batch_id: str) -> list[int]:
    q = LakeQuarantineRow
    with session_scope(settings) as session:
        return sorted(
            session.scalars(
                select(q.row_number).where(q.batch_id == batch_id, q.status == "open").distinct()
            )
        )


def _retry_frames(
    spec: SourceSpec,
    held: pl.DataFrame,
    fixes: Sequence[dict[str, Any]],
    drop_fields: Sequence[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows to check again (text, with ``_row_number``) and their prior state."""
    names = [f.name for f in spec.fields]
    rrn_fields = [f.name for f in spec.fields if f.personal == "rrn"]
    for name in [*drop_fields, *(k for fix in fixes for k in fix if k != "row_number")]:
        if name not in names:
            raise InvalidInputError(
                f"원천 '{spec.id}'에 '{name}' 열이 없습니다 / source {spec.id!r} has no field "
                f"{name!r}"
            )
    rows = held.get_column("_row_number").to_list()
    unknown = sorted({fix["row_number"] for fix in fixes} - set(rows))
    if unknown:
        raise InvalidInputError(
            f"격리 중이 아닌 행 번호: {unknown[:10]} / not open quarantined rows: {unknown[:10]}"
        )
    columns: dict[str, list[Any]] = {}
    for name in names:
        columns[name] = (
            [None] * len(rows) if name in rrn_fields else held.get_column(name).to_list()
        )
    where = {row: i for i, row in enumerate(rows)}
    for fix in fixes:
        for name, value in fix.items():
            if name != "row_number":
                columns[name][where[fix["row_number"]]] = None if value is None else str(value)
    prior_columns = ["_row_number", "_failures"]
    for name in rrn_fields:
        prior_columns += list(derived_columns(name))
    prior = held.select(prior_columns)
    for name in drop_fields:
        columns[name] = [None] * len(rows)
        if name in rrn_fields:
            prior = prior.with_columns(
                pl.lit(None).cast(prior.schema[c]).alias(c) for c in derived_columns(name)
            )
    raw = pl.DataFrame(columns, schema=dict.fromkeys(names, pl.Utf8)).with_columns(
        pl.Series("_row_number", rows, dtype=pl.Int64)
    )
    return raw, prior


def retry_quarantine(
    settings: Settings | None,
    batch_id: str,
    *,
    fixes: Sequence[dict[str, Any]] = (),
    drop_fields: Sequence[str] = (),
    today: date | None = None,
) -> BatchResult:
    """Run the contract again on a batch's open quarantined rows, with corrections.

    Args:
        settings: The lake and the ledger.
        batch_id: The batch whose open rows to retry.
        fixes: Corrections, each ``{"row_number": n, field: new value}`` (values as text; an RRN
            given here is checked and hashed like any arriving one).
        drop_fields: Fields to clear on every retried row (e.g. ``rrn``).
        today: Clock of ``date.future``.

    Returns:
        The new batch (``retry_of`` = ``batch_id``); the same corrections twice give the same
        batch, already ingested.

    Raises:
        NotFoundError: No such batch.
        InvalidInputError: Nothing open to retry, or a fix names an unknown field or row.
    """
    settings = settings or get_settings()
    batch = get_batch(settings, batch_id)
    spec = get_source(batch.source)
    open_rows = _open_rows(settings, batch_id)
    if not open_rows:
        raise InvalidInputError(
            f"배치 {batch_id}에 재처리할 격리 행이 없습니다 / batch {batch_id} has no open "
            "quarantined rows to retry"
        )
    path = LakePaths.of(settings).quarantine(spec.id, batch_id)
    held = pl.read_parquet(path).filter(pl.col("_row_number").is_in(open_rows))
    raw, prior = _retry_frames(spec, held, fixes, drop_fields)
    content = json.dumps(
        {"batch": batch_id, "rows": open_rows, "fixes": list(fixes), "drop": sorted(drop_fields)},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    sha = hashlib.sha256(content.encode("utf-8")).hexdigest()

    def chunks(columns: list[str] | None) -> Iterator[Chunk]:
        yield Chunk(raw if columns is None else raw.select([*columns, "_row_number"]), 0, 0)

    drop = f", drop {','.join(drop_fields)}" if drop_fields else ""
    return run_batch(
        spec,
        sha256=sha,
        origin=f"retry of {batch_id} ({len(fixes)} fixes{drop})",
        file_format="retry",
        encoding=None,
        chunks=chunks,
        settings=settings,
        today=today,
        retry=(batch_id, lambda _frame: prior),
    )
