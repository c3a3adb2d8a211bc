"""Ingest batches: files of an extract folder, one file, or live records — all the same way.

For each batch: its id is ``<source>-<sha256 of the content>[:16]``; the ledger is asked first
(the same content already ``done`` changes nothing); then the batch is read in chunks, RRNs are
checked and replaced by their keyed hash, the contract splits rows into accepted and quarantined,
both are streamed to ``*.tmp`` files that appear under their final names by atomic rename, and the
ledger row turns ``done`` last, in one transaction with the quarantine index and the quality
scores. A process killed anywhere in between leaves nothing that counts; running it again redoes
the batch from scratch under the same id and file names.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl
from pydantic import Field

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings, get_settings
from ilteo.lake.contracts import get_contract, sequence_violations
from ilteo.lake.layout import LakePaths, replace_atomically
from ilteo.lake.ledger import (
    BatchBusyError,
    BatchPublic,
    Resolution,
    claim_batch,
    fail_batch,
    finish_batch,
    reject_batch,
)
from ilteo.lake.protect import scrub_rrns
from ilteo.lake.quality import BatchCounts, batch_scores
from ilteo.lake.readers import (
    BatchRejected,
    Chunk,
    file_format,
    file_sha256,
    read_file,
    records_frame,
    records_sha256,
)
from ilteo.lake.rows import quarantine_schema, staged_schema, today_in_korea
from ilteo.lake.sources import get_source, list_sources, match_source
from ilteo.lake.spec import SourceSpec

__all__ = [
    "MAX_RECORDS",
    "BatchResult",
    "ProgressCallback",
    "ingest_file",
    "ingest_path",
    "ingest_records",
    "run_batch",
    "stored_keys",
]

#: Most records one live micro-batch may hold.
MAX_RECORDS: Final = 10_000
#: ``progress(done, total, label)``, as every long-running room function takes it.
ProgressCallback = Callable[[int, int, str], None]


class BatchResult(BatchPublic):
    """A batch after ingesting it: the ledger row, and whether it was there already."""

    already_ingested: bool = False
    seconds: float | None = None
    stages: dict[str, float] = Field(
        default_factory=dict,
        description="초: 읽기·계약 검사, 쓰기, 확정 / seconds reading and checking, writing, "
        "committing (uniqueness, renames, ledger)",
    )


def stored_keys(spec: SourceSpec) -> list[str]:
    """The natural key as stored (an RRN key column is stored as its hash).

    >>> from ilteo.lake.sources import get_source
    >>> stored_keys(get_source("ei_wages"))
    ['rrn_hash', 'workplace_mgmt_no', 'wage_month']
    """
    from ilteo.lake.protect import derived_columns

    return [derived_columns(k)[0] if spec.field(k).personal == "rrn" else k for k in spec.keys]


class _Sink:
    """Rows streamed to ``<final>.<pid>.tmp``; the final name appears only on :meth:`commit`."""

    def __init__(self, final: Path, schema: Any) -> None:
        self.final = final
        self.tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
        self.rows = 0
        self._schema = schema
        self._writer: Any = None

    def write(self, frame: pl.DataFrame) -> None:
        if frame.height == 0:
            return
        import pyarrow.parquet as pq

        if self._writer is None:
            self.tmp.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.tmp, self._schema, compression="zstd")
        self._writer.write_table(frame.to_arrow().cast(self._schema))
        self.rows += frame.height

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def commit(self) -> None:
        self.close()
        if self.rows:
            replace_atomically(self.tmp, self.final)

    def abort(self) -> None:
        self.close()
        self.tmp.unlink(missing_ok=True)


def _clear_leftovers(*finals: Path) -> None:
    """Remove what an interrupted run of the same batch may have left (tmp and final files)."""
    for final in finals:
        final.unlink(missing_ok=True)
        if final.parent.is_dir():
            for tmp in final.parent.glob(f"{final.name}.*.tmp"):
                tmp.unlink(missing_ok=True)


def _distinct_keys(path: Path, keys: list[str], spill: Path) -> int:
    """Distinct natural keys in a staged file.

    Keys are counted by their 64-bit hash (8 bytes each instead of the 64-character RRN hash and
    more), in at most 1 GB before spilling: 31 million wage rows would otherwise hold gigabytes.
    A hash collision can only lower the count (about one chance in 40,000 at 31 million keys),
    which at worst makes curation deduplicate a source it could have copied.
    """
    import duckdb

    columns = ", ".join(f'"{k}"' for k in keys)
    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '1GB'")
        con.execute("SET temp_directory = ?", [str(spill)])
        row = con.execute(
            f"SELECT count(DISTINCT hash({columns})) FROM read_parquet(?)",  # noqa: S608 - declared names
            [str(path)],
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def _sequence_pass(
    spec: SourceSpec, chunks: Callable[[list[str] | None], Iterator[Chunk]]
) -> pl.DataFrame:
    """Read only the columns of the batch-wide rules, and find the rows breaking them."""
    needed = sorted(
        {c for r in spec.sequence_rules for c in (*r.group, r.kind_field, r.date_field)}
    )
    parts = []
    for chunk in chunks(needed):
        frame = chunk.frame
        if "_row_number" not in frame.columns:  # a retry keeps the first batch's row numbers
            frame = frame.with_row_index("_row_number", offset=chunk.first_row)
        parts.append(frame.select("_row_number", *needed))
    if not parts:
        return pl.DataFrame(schema={"_row_number": pl.Int64, "rule": pl.Utf8, "column": pl.Utf8})
    frame = pl.concat(parts, how="vertical_relaxed").with_columns(
        pl.col("_row_number").cast(pl.Int64)
    )
    return sequence_violations(spec, frame)


def run_batch(
    spec: SourceSpec,
    *,
    sha256: str,
    origin: str,
    file_format: str,
    encoding: str | None,
    chunks: Callable[[list[str] | None], Iterator[Chunk]],
    settings: Settings,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    retry: tuple[str, Callable[[pl.DataFrame], pl.DataFrame | None]] | None = None,
    batch_id: str | None = None,
) -> BatchResult:
    """Ingest one batch (the common path of files, live records and quarantine retries).

    Args:
        spec: The source.
        sha256: Hex SHA-256 of the batch content.
        origin: Where it came from (a path, ``api``, ``retry of …``).
        file_format: ``csv``, ``jsonl``, ``parquet`` or ``json``.
        encoding: The text encoding, if any.
        chunks: Yields the batch's chunks, optionally only some columns; may raise
            :class:`BatchRejected`.
        settings: The lake and the ledger.
        today: Clock of ``date.future``.
        progress: Called with the bytes read so far.
        retry: ``(original batch id, prior)`` for a quarantine retry: ``prior`` maps each chunk to
            the rows' prior state (see :meth:`Contract.check`).
        batch_id: Override of the id (default ``<source>-<sha256[:16]>``).

    Returns:
        The ledger row: ``done`` (``accepted + quarantined == received``), ``rejected`` with a
        reason, or the existing ``done`` row with ``already_ingested``.
    """
    started = time.monotonic()
    batch_id = batch_id or f"{spec.id}-{sha256[:16]}"
    with _in_process(batch_id):
        return _run_claimed(
            spec,
            batch_id,
            started,
            sha256=sha256,
            origin=origin,
            file_format=file_format,
            encoding=encoding,
            chunks=chunks,
            settings=settings,
            today=today,
            progress=progress,
            retry=retry,
        )


#: Batches being ingested by this process (the API serves requests in threads).
_ACTIVE: set[str] = set()
_ACTIVE_LOCK = threading.Lock()


@contextlib.contextmanager
def _in_process(batch_id: str) -> Iterator[None]:
    """Refuse a batch this process is already ingesting in another thread."""
    with _ACTIVE_LOCK:
        if batch_id in _ACTIVE:
            raise BatchBusyError(
                f"배치 {batch_id}을(를) 이미 처리 중입니다 / batch {batch_id} is already being "
                "ingested",
                batch_id=batch_id,
            )
        _ACTIVE.add(batch_id)
    try:
        yield
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(batch_id)


def _run_claimed(
    spec: SourceSpec,
    batch_id: str,
    started: float,
    *,
    sha256: str,
    origin: str,
    file_format: str,
    encoding: str | None,
    chunks: Callable[[list[str] | None], Iterator[Chunk]],
    settings: Settings,
    today: date | None,
    progress: Callable[[int], None] | None,
    retry: tuple[str, Callable[[pl.DataFrame], pl.DataFrame | None]] | None,
) -> BatchResult:
    existing = claim_batch(
        settings,
        batch_id=batch_id,
        source=spec.id,
        sha256=sha256,
        origin=origin,
        file_format=file_format,
        encoding=encoding,
        retry_of=retry[0] if retry else None,
    )
    if existing is not None:
        return BatchResult(**existing.model_dump(), already_ingested=True)
    paths = LakePaths.of(settings)
    stages = {"read_contract": 0.0, "write": 0.0, "commit": 0.0}
    staged = _Sink(paths.staged(spec.id, batch_id), staged_schema(spec))
    quarantine = _Sink(paths.quarantine(spec.id, batch_id), quarantine_schema(spec))
    _clear_leftovers(staged.final, quarantine.final)
    try:
        contract = get_contract(spec, settings, today)
        flagged = _sequence_pass(spec, chunks) if spec.sequence_rules else None
        counts = BatchCounts()
        failures: list[pl.DataFrame] = []
        accepted_rows: list[int] = []
        clock = time.monotonic()
        for chunk in chunks(None):
            prior = retry[1](chunk.frame) if retry else None
            checked = contract.check(
                chunk.frame, chunk.first_row, batch_id, flagged=flagged, prior=prior
            )
            checked_at = time.monotonic()
            stages["read_contract"] += checked_at - clock
            staged.write(checked.accepted)
            quarantine.write(checked.quarantined)
            clock = time.monotonic()
            stages["write"] += clock - checked_at
            counts.add(checked.received, checked.accepted.height, checked.present, checked.failed)
            failures.append(checked.failures)
            if retry:
                accepted_rows += checked.accepted.get_column("_row_number").to_list()
            if progress:
                progress(chunk.bytes_done)
        stages["read_contract"] += time.monotonic() - clock
        clock = time.monotonic()
        staged.close()
        spill = paths.root / ".duckdb_tmp"
        distinct = _distinct_keys(staged.tmp, stored_keys(spec), spill) if staged.rows else None
        staged.commit()
        quarantine.commit()
    except BatchRejected as exc:
        staged.abort()
        quarantine.abort()
        done = reject_batch(settings, batch_id, exc.detail)
        return BatchResult(**done.model_dump(), seconds=time.monotonic() - started)
    except BaseException as exc:
        staged.abort()
        quarantine.abort()
        _record_failure(settings, batch_id, exc)
        _raise_scrubbed(exc)
        raise
    index = pl.concat(failures, how="vertical") if failures else pl.DataFrame()
    resolution = _resolution(retry[0], accepted_rows, index) if retry else None
    try:
        done = finish_batch(
            settings,
            batch_id,
            received=counts.received,
            accepted=staged.rows,
            quarantined=quarantine.rows,
            failures=index.rename({"_row_number": "row_number"}).to_dicts() if index.height else [],
            quality=batch_scores(spec, counts, distinct),
            resolution=resolution,
        )
    except BaseException as exc:
        _record_failure(settings, batch_id, exc)
        _raise_scrubbed(exc)
        raise
    stages["commit"] = time.monotonic() - clock
    rounded = {name: round(value, 4) for name, value in stages.items()}
    return BatchResult(**done.model_dump(), seconds=time.monotonic() - started, stages=rounded)


def _record_failure(settings: Settings, batch_id: str, exc: BaseException) -> None:
    # The original error matters more than a failure to record it; a rerun redoes the batch.
    with contextlib.suppress(Exception):
        fail_batch(settings, batch_id, f"{type(exc).__name__}: {exc}"[:2000])


def _raise_scrubbed(exc: BaseException) -> None:
    """Raise an error again without the RRN-like values its message shows.

    No clear RRN may reach a log or a terminal; any other error propagates as it is.
    """
    message = str(exc)
    scrubbed = scrub_rrns(message)
    if scrubbed != message:
        raise RuntimeError(f"{type(exc).__name__}: {scrubbed}") from None


def _resolution(original: str, accepted: list[int], index: pl.DataFrame) -> Resolution:
    carried = sorted(set(index.get_column("_row_number").to_list())) if index.height else []
    return Resolution(original, sorted(accepted), carried)


def ingest_file(
    path: Path,
    spec: SourceSpec,
    *,
    settings: Settings | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Ingest one extract file as one batch of ``spec``.

    Returns:
        The batch (see :func:`run_batch`).
    """
    settings = settings or get_settings()
    kind = file_format(path, spec)

    def chunks(columns: list[str] | None) -> Iterator[Chunk]:
        return read_file(path, spec, columns=columns)

    return run_batch(
        spec,
        sha256=file_sha256(path),
        origin=str(path),
        file_format=kind,
        encoding=None if kind == "parquet" else spec.encoding,
        chunks=chunks,
        settings=settings,
        today=today,
        progress=progress,
    )


def _extract_files(root: Path, source: str | None) -> list[tuple[Path, SourceSpec]]:
    order = {spec.id: i for i, spec in enumerate(list_sources())}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        spec = match_source(path.relative_to(root).as_posix())
        if spec is not None and (source is None or spec.id == source):
            found.append((path, spec))
    return sorted(found, key=lambda item: (order[item[1].id], str(item[0])))


def ingest_path(
    path: Path,
    *,
    source: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> list[BatchResult]:
    """Ingest an extract folder (each file matched to its source by its declared glob) or a file.

    Args:
        path: A folder of extracts, or one file.
        source: Only this source (a folder), or the source of the file (else found by its name).
        settings: The lake and the ledger.
        progress: ``progress(bytes done, bytes total, label)``.
        today: Clock of ``date.future`` (today in Korea by default).

    Returns:
        One result per file, in ingest order (workplaces first, monthly wages last).

    Raises:
        InvalidInputError: The path does not exist, holds no extract, or the file's source
            cannot be told.
        NotFoundError: ``source`` is not declared.
    """
    settings = settings or get_settings()
    today = today or today_in_korea()
    spec_filter = get_source(source).id if source else None
    if path.is_dir():
        files = _extract_files(path, spec_filter)
    elif path.is_file():
        spec = get_source(source) if source else match_source(path.name, by_name=True)
        if spec is None:
            raise InvalidInputError(
                f"{path.name}의 원천을 알 수 없습니다; --source로 지정하세요 / cannot tell "
                f"the source of {path.name}; name it with --source"
            )
        files = [(path, spec)]
    else:
        raise InvalidInputError(f"경로가 없습니다 / no such file or folder: {path}")
    if not files:
        raise InvalidInputError(f"{path}에 원천 추출 파일이 없습니다 / no source extract in {path}")
    total = sum(p.stat().st_size for p, _ in files)
    results = []
    offset = 0
    for file, spec in files:
        label = f"{spec.id}: {file.name}"

        def advance(done: int, base: int = offset, label: str = label) -> None:
            if progress:
                progress(base + done, total, label)

        advance(0)
        results.append(ingest_file(file, spec, settings=settings, today=today, progress=advance))
        offset += file.stat().st_size
        advance(0, offset)
    return results


def ingest_records(
    source: str,
    records: Sequence[Any],
    settings: Settings | None = None,
    *,
    today: date | None = None,
    origin: str = "api",
) -> BatchResult:
    """Ingest a live micro-batch of records (JSON objects) as one batch of ``source``.

    Keys a record leaves out are null; keys the source does not declare reject the batch.

    Raises:
        NotFoundError: ``source`` is not declared.
        InvalidInputError: No records, or more than :data:`MAX_RECORDS`.
    """
    settings = settings or get_settings()
    spec = get_source(source)
    if not records or len(records) > MAX_RECORDS:
        raise InvalidInputError(
            f"레코드는 1~{MAX_RECORDS:,}건이어야 합니다 / a batch holds 1 to {MAX_RECORDS:,} "
            f"records, got {len(records):,}"
        )

    def chunks(columns: list[str] | None) -> Iterator[Chunk]:
        frame = records_frame(spec, records)
        yield Chunk(frame if columns is None else frame.select(columns), 0, 0)

    return run_batch(
        spec,
        sha256=records_sha256(records),
        origin=origin,
        file_format="json",
        encoding="utf-8",
        chunks=chunks,
        settings=settings,
        today=today,
    )
