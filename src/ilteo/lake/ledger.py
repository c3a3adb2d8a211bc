"""The batch ledger: which batches exist, which count, and the quarantine index beside them.

A batch counts only once its ``lake_batches`` row is ``done``; that row is written last, in one
transaction with the batch's quarantine index rows and quality scores (:func:`finish_batch`). A
batch found ``running`` when it is claimed again was interrupted (its process died): it is redone
from scratch under the same id, unless its process is still alive on this machine.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update

from ilteo.core.db import session_scope
from ilteo.core.errors import IlteoError, NotFoundError
from ilteo.core.settings import Settings
from ilteo.lake.models import LakeBatch, LakeQualityScore, LakeQuarantineRow
from ilteo.lake.protect import scrub_rrns

__all__ = [
    "BatchBusyError",
    "BatchPublic",
    "Resolution",
    "claim_batch",
    "committed_batches",
    "fail_batch",
    "finish_batch",
    "get_batch",
    "list_batches",
    "reject_batch",
]

BatchStatus = Literal["running", "done", "rejected", "failed"]


class BatchBusyError(IlteoError):
    """The same batch is being ingested right now by another live process."""

    code = "batch-busy"
    status = 409
    title_ko = "같은 배치를 다른 프로세스가 처리 중입니다"
    title_en = "Batch in progress elsewhere"


class BatchPublic(BaseModel):
    """One batch as the ledger records it.

    ``accepted_rows + quarantined_rows == received_rows`` for every ``done`` batch (``balanced``).
    """

    id: str = Field(description="배치 ID: 원천-내용해시 / source and content hash")
    source: str = Field(description="원천 / source id")
    status: BatchStatus = Field(description="running, done, rejected or failed")
    origin: str = Field(description="파일 경로 또는 api / file path, or api for live batches")
    file_format: str
    encoding: str | None = None
    content_sha256: str
    reason: str | None = Field(None, description="거부·실패 사유 / why rejected or failed")
    received_rows: int
    accepted_rows: int
    quarantined_rows: int
    retry_of: str | None = Field(None, description="격리 재처리의 원 배치 / retried batch")
    started_at: datetime
    finished_at: datetime | None = None

    @property
    def balanced(self) -> bool:
        """Whether accepted and quarantined rows add up to the received rows."""
        return self.accepted_rows + self.quarantined_rows == self.received_rows


@dataclass(frozen=True)
class Resolution:
    """What a quarantine retry settles in its original batch's index.

    Attributes:
        batch_id: The batch whose quarantined rows were retried.
        fixed: Row numbers that passed this time (marked ``fixed``).
        carried: Row numbers that failed again (marked ``retried``; they stay quarantined in the
            new batch).
    """

    batch_id: str
    fixed: Sequence[int]
    carried: Sequence[int]


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite drops the time zone of stored timestamps; they were written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _public(row: LakeBatch) -> BatchPublic:
    batch = BatchPublic.model_validate(row, from_attributes=True)
    started = _utc(batch.started_at) or batch.started_at
    return batch.model_copy(update={"started_at": started, "finished_at": _utc(batch.finished_at)})


def _owner() -> str:
    return f"running: pid={os.getpid()} host={socket.gethostname()}"


def _alive(reason: str | None) -> bool:
    """Whether the ``running`` note names a live process on this machine (other than us)."""
    if not reason or not reason.startswith("running:"):
        return False
    fields = dict(part.split("=", 1) for part in reason.split()[1:] if "=" in part)
    if fields.get("host") != socket.gethostname():
        return False
    try:
        pid = int(fields.get("pid", ""))
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_batch(
    settings: Settings,
    *,
    batch_id: str,
    source: str,
    sha256: str,
    origin: str,
    file_format: str,
    encoding: str | None,
    retry_of: str | None = None,
) -> BatchPublic | None:
    """Start a batch: return the ``done`` batch if it already counts, else mark it ``running``.

    A ``rejected`` or ``failed`` batch is tried again; a ``running`` one is redone from scratch
    (anything it left in the index is removed) unless its process is still alive.

    Raises:
        BatchBusyError: Another live process on this machine is ingesting the same batch.
    """
    with session_scope(settings) as session:
        row = session.get(LakeBatch, batch_id, with_for_update=True)
        if row is not None and row.status == "done":
            return _public(row)
        if row is not None and row.status == "running" and _alive(row.reason):
            raise BatchBusyError(
                f"배치 {batch_id}을(를) 다른 프로세스가 처리 중입니다 ({row.reason}) / batch "
                f"{batch_id} is being ingested by another process ({row.reason})",
                batch_id=batch_id,
            )
        if row is not None:
            session.execute(delete(LakeQuarantineRow).where(LakeQuarantineRow.batch_id == batch_id))
            session.execute(delete(LakeQualityScore).where(LakeQualityScore.batch_id == batch_id))
        else:
            row = LakeBatch(id=batch_id, source=source, content_sha256=sha256)
            session.add(row)
        row.origin, row.file_format, row.encoding = origin, file_format, encoding
        row.status, row.reason, row.retry_of = "running", _owner(), retry_of
        row.received_rows = row.accepted_rows = row.quarantined_rows = 0
        row.started_at, row.finished_at = _now(), None
    return None


def finish_batch(
    settings: Settings,
    batch_id: str,
    *,
    received: int,
    accepted: int,
    quarantined: int,
    failures: Sequence[dict[str, Any]],
    quality: Sequence[dict[str, Any]],
    resolution: Resolution | None = None,
) -> BatchPublic:
    """Commit a batch: its quarantine index, quality scores and ``done`` status in one transaction.

    Args:
        settings: The operational store.
        batch_id: The batch (``running``).
        received: Rows read.
        accepted: Rows written to the staged file.
        quarantined: Rows written to the quarantine file.
        failures: Index rows (``row_number``, ``rule``, ``column``, ``value``).
        quality: Quality rows (``field``, ``dimension``, ``score``, ``threshold``,
            ``below_threshold``).
        resolution: For a quarantine retry, the rows it settles in the original batch.

    Raises:
        RuntimeError: When ``accepted + quarantined != received`` (nothing is committed).
    """
    if accepted + quarantined != received:
        raise RuntimeError(
            f"{batch_id}: accepted {accepted} + quarantined {quarantined} != received {received}"
        )
    now = _now()
    with session_scope(settings) as session:
        row = session.get(LakeBatch, batch_id, with_for_update=True)
        if row is None or row.status != "running":
            raise RuntimeError(f"{batch_id} is not running (status {row and row.status})")
        if failures:
            session.execute(
                insert(LakeQuarantineRow),
                [
                    {"batch_id": batch_id, "source": row.source, "status": "open", **failure}
                    for failure in failures
                ],
            )
        if quality:
            session.execute(
                insert(LakeQualityScore),
                [
                    {"batch_id": batch_id, "source": row.source, "measured_at": now, **score}
                    for score in quality
                ],
            )
        if resolution is not None:
            _resolve(session, resolution, batch_id)
        row.received_rows, row.accepted_rows, row.quarantined_rows = received, accepted, quarantined
        row.status, row.reason, row.finished_at = "done", None, now
        return _public(row)


def _resolve(session: Any, resolution: Resolution, new_batch: str) -> None:
    for status, rows in (("fixed", resolution.fixed), ("retried", resolution.carried)):
        for start in range(0, len(rows), 500):
            session.execute(
                update(LakeQuarantineRow)
                .where(
                    LakeQuarantineRow.batch_id == resolution.batch_id,
                    LakeQuarantineRow.status == "open",
                    LakeQuarantineRow.row_number.in_(list(rows[start : start + 500])),
                )
                .values(status=status, resolved_batch_id=new_batch)
            )


def _end(settings: Settings, batch_id: str, status: BatchStatus, reason: str) -> BatchPublic:
    with session_scope(settings) as session:
        row = session.get(LakeBatch, batch_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"배치 {batch_id}이(가) 없습니다 / no batch {batch_id}")
        row.status, row.reason, row.finished_at = status, scrub_rrns(reason), _now()
        row.received_rows = row.accepted_rows = row.quarantined_rows = 0
        return _public(row)


def reject_batch(settings: Settings, batch_id: str, reason: str) -> BatchPublic:
    """Record that a batch was rejected as a whole (nothing of it was kept)."""
    return _end(settings, batch_id, "rejected", reason)


def fail_batch(settings: Settings, batch_id: str, reason: str) -> BatchPublic:
    """Record that ingesting a batch stopped on an unexpected error (nothing of it counts)."""
    return _end(settings, batch_id, "failed", reason)


def get_batch(settings: Settings, batch_id: str) -> BatchPublic:
    """One batch of the ledger.

    Raises:
        NotFoundError: No batch has that id.
    """
    with session_scope(settings) as session:
        row = session.get(LakeBatch, batch_id)
        if row is None:
            raise NotFoundError(
                f"배치 {batch_id}이(가) 없습니다 / no batch {batch_id}", batch_id=batch_id
            )
        return _public(row)


def list_batches(
    settings: Settings,
    *,
    source: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[BatchPublic]:
    """Batches of the ledger, the most recently started first."""
    query = select(LakeBatch).order_by(LakeBatch.started_at.desc(), LakeBatch.id)
    if source:
        query = query.where(LakeBatch.source == source)
    if status:
        query = query.where(LakeBatch.status == status)
    if limit:
        query = query.limit(limit)
    with session_scope(settings) as session:
        return [_public(row) for row in session.scalars(query)]


def committed_batches(settings: Settings, source: str | None = None) -> list[BatchPublic]:
    """The ``done`` batches, oldest first (the order in which later batches win)."""
    query = (
        select(LakeBatch)
        .where(LakeBatch.status == "done")
        .order_by(LakeBatch.finished_at, LakeBatch.id)
    )
    if source:
        query = query.where(LakeBatch.source == source)
    with session_scope(settings) as session:
        return [_public(row) for row in session.scalars(query)]
