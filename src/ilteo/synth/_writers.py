"""Incremental writers (Parquet, JSON Lines, CP949 CSV) and the all-or-nothing output folder."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ilteo.core.errors import InvalidInputError

#: Top-level entries a run writes; ``--overwrite`` removes only these.
OUTPUT_ENTRIES = (
    "employment_insurance",
    "industrial_accidents",
    "workplaces",
    "job_seekers",
    "training",
    "benefits",
    "requests",
    "ground_truth",
)


def _plain(schema: pa.Schema) -> pa.Schema:
    """Use plain ``string`` for every text column, whatever polars produced."""
    fields = []
    for f in schema:
        kind = f.type
        if (
            pa.types.is_large_string(kind)
            or pa.types.is_string_view(kind)
            or pa.types.is_null(kind)
        ):
            kind = pa.string()
        fields.append(pa.field(f.name, kind))
    return pa.schema(fields)


class ParquetSink:
    """Append tables to one Parquet file; row groups of about ``flush_rows`` rows."""

    def __init__(self, path: Path, flush_rows: int) -> None:
        self.path = path
        self.rows = 0
        self._flush_rows = flush_rows
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | None = None

    def add(self, table: pl.DataFrame | pa.Table) -> None:
        """Queue rows; they are written once enough have gathered."""
        arrow = table.to_arrow() if isinstance(table, pl.DataFrame) else table
        if self._schema is None:
            self._schema = _plain(arrow.schema)
        self._buffer.append(arrow.cast(self._schema))
        self._buffered += arrow.num_rows
        self.rows += arrow.num_rows
        if self._buffered >= self._flush_rows:
            self._flush()

    def _flush(self) -> None:
        if self._schema is None:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd")
        if self._buffer:
            self._writer.write_table(
                pa.concat_tables(self._buffer), row_group_size=self._flush_rows
            )
        self._buffer, self._buffered = [], 0

    def close(self) -> None:
        """Write what is left and finish the file."""
        self._flush()
        if self._writer is not None:
            self._writer.close()


class TextSink:
    """Append rows to a JSON Lines file, or to a CSV file in a legacy encoding (CP949, CRLF)."""

    def __init__(self, path: Path, kind: str, flush_rows: int) -> None:
        self.path = path
        self.rows = 0
        self._kind = kind
        self._flush_rows = flush_rows
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._header_written = False

    def add(self, table: pl.DataFrame | pa.Table) -> None:
        """Queue rows."""
        frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - from_arrow of a table
            raise TypeError("expected a table")
        self._buffer.append(frame)
        self._buffered += frame.height
        self.rows += frame.height
        if self._buffered >= self._flush_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        frame = pl.concat(self._buffer, how="vertical_relaxed")
        self._buffer, self._buffered = [], 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._kind == "jsonl":
            sink = io.BytesIO()
            frame.write_ndjson(sink)
            data = sink.getvalue()
        else:
            text = frame.write_csv(include_header=not self._header_written, line_terminator="\r\n")
            # A legacy system replaces what CP949 cannot hold (rare symbols) with '?'.
            data = text.encode("cp949", errors="replace")
            self._header_written = True
        with self.path.open("ab") as handle:
            handle.write(data)

    def close(self) -> None:
        """Write what is left (and an empty file when nothing came)."""
        self._flush()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()


Sink = ParquetSink | TextSink


class Outputs:
    """Every output file of a run, opened on first use."""

    def __init__(self, root: Path, flush_rows: int) -> None:
        self.root = root
        self._flush_rows = flush_rows
        self._sinks: dict[str, Sink] = {}

    def add(self, relpath: str, table: pl.DataFrame | pa.Table) -> None:
        """Append rows to ``relpath`` (format by extension: .parquet, .jsonl, .csv as CP949)."""
        sink = self._sinks.get(relpath)
        if sink is None:
            path = self.root / relpath
            if relpath.endswith(".parquet"):
                sink = ParquetSink(path, self._flush_rows)
            else:
                sink = TextSink(
                    path, "jsonl" if relpath.endswith(".jsonl") else "csv", self._flush_rows
                )
            self._sinks[relpath] = sink
        sink.add(table)

    def close(self) -> dict[str, int]:
        """Finish every file; return rows per file."""
        for sink in self._sinks.values():
            sink.close()
        return {k: s.rows for k, s in sorted(self._sinks.items())}


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_output_dir(out_dir: Path, overwrite: bool) -> list[str]:
    """Return the outputs already in ``out_dir`` (to be replaced), refusing them without overwrite.

    Raises:
        InvalidInputError: When ``out_dir`` is not a folder, or holds outputs and ``overwrite`` is
            false.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInputError(f"출력 경로가 폴더가 아닙니다 / not a folder: {out_dir}")
    existing = [e for e in OUTPUT_ENTRIES if (out_dir / e).exists()]
    if existing and not overwrite:
        raise InvalidInputError(
            f"{out_dir}에 이미 생성 결과가 있습니다; --overwrite로 바꾸세요 / {out_dir} already "
            "holds synthetic outputs; pass --overwrite to replace them"
        )
    return existing


@contextmanager
def staged_directory(out_dir: Path, overwrite: bool) -> Iterator[Path]:
    """Yield ``out_dir/.partial-<pid>``; on success move its entries into ``out_dir``.

    A failed or interrupted run removes the partial folder, so nothing that looks complete is
    left behind. Existing outputs are refused unless ``overwrite`` is set.

    Raises:
        InvalidInputError: As :func:`check_output_dir`.
    """
    existing = check_output_dir(out_dir, overwrite)
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / f".partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for name in existing:
        shutil.rmtree(out_dir / name)
    for entry in sorted(partial.iterdir()):
        entry.rename(out_dir / entry.name)
    partial.rmdir()


def file_entries(root: Path, rows: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Manifest entries (rows, bytes, sha256, format) for written files."""
    entries = {}
    for relpath, count in rows.items():
        path = root / relpath
        kind = relpath.rsplit(".", 1)[-1]
        entries[relpath] = {
            "rows": count,
            "bytes": path.stat().st_size,
            "sha256": sha256(path),
            "format": {"parquet": "parquet", "jsonl": "jsonl", "csv": "csv (cp949, crlf)"}.get(
                kind, kind
            ),
        }
    return entries
