"""Read a batch in bounded chunks: CSV (in its declared encoding), JSON Lines, Parquet, records.

A reader never holds a whole file: Parquet is read by record batches, text files by blocks of
:data:`TEXT_BLOCK_BYTES` cut at a line end outside quotes. Whatever makes the batch unreadable as
a whole — a wrong encoding, a truncated last line, columns that differ from the declaration — is
raised as :class:`BatchRejected` with a reason in Korean and English; the batch is then rejected
entirely and nothing of it is kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from ilteo.core.errors import InvalidInputError
from ilteo.lake.spec import SourceSpec

__all__ = [
    "CHUNK_ROWS",
    "TEXT_BLOCK_BYTES",
    "BatchRejected",
    "Chunk",
    "check_columns",
    "file_sha256",
    "read_file",
    "records_frame",
    "records_sha256",
]

#: Rows per Parquet record batch.
CHUNK_ROWS: Final = 250_000
#: Bytes per block of a CSV or JSON Lines file (about 60,000 to 150,000 rows).
TEXT_BLOCK_BYTES: Final = 16 * 2**20
#: Encodings tried to explain a header that does not decode as declared.
_ENCODINGS: Final = ("utf-8", "cp949")


class BatchRejected(InvalidInputError):
    """The batch cannot be read as a whole; it is rejected and nothing of it is kept."""

    code = "batch-rejected"
    title_ko = "배치를 받을 수 없습니다"
    title_en = "Batch rejected"


@dataclass(frozen=True)
class Chunk:
    """Rows of a batch as read (text as text, Parquet types as stored).

    Attributes:
        frame: The rows, columns as in the file.
        first_row: Position of the first row in the batch (0-based).
        bytes_done: Bytes of the file read so far (for progress).
    """

    frame: pl.DataFrame
    first_row: int
    bytes_done: int


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def records_sha256(records: Sequence[dict[str, Any]]) -> str:
    """Hex SHA-256 of a list of records in canonical JSON (sorted keys), so equal lists hash equal.

    >>> records_sha256([{"b": 1, "a": "x"}]) == records_sha256([{"a": "x", "b": 1}])
    True
    """
    text = json.dumps(list(records), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_columns(spec: SourceSpec, columns: Iterable[str], *, allow_missing: bool = False) -> None:
    """Refuse a batch whose columns differ from the declaration (schema drift).

    Raises:
        BatchRejected: Naming the missing and the unexpected columns.

    >>> from ilteo.lake.sources import get_source
    >>> check_columns(get_source("ei_wages"), ["rrn", "workplace_mgmt_no", "wage_month"])
    Traceback (most recent call last):
    ...
    ilteo.lake.readers.BatchRejected: 열이 선언과 다릅니다 ...
    """
    declared = [f.name for f in spec.fields]
    present = list(columns)
    missing = [] if allow_missing else [c for c in declared if c not in present]
    extra = [c for c in present if c not in declared]
    if missing or extra:
        raise BatchRejected(
            f"열이 선언과 다릅니다 (스키마 변경): 없는 열 {missing}, 선언되지 않은 열 {extra} / "
            f"schema drift: missing columns {missing}, unexpected columns {extra}",
            missing=missing,
            unexpected=extra,
        )


def read_file(
    path: Path, spec: SourceSpec, *, chunk_rows: int = CHUNK_ROWS, columns: list[str] | None = None
) -> Iterator[Chunk]:
    """Yield a file's rows in chunks, after checking its columns against ``spec``.

    Args:
        path: The extract.
        spec: Its source; the format comes from the file's extension, else the declaration.
        chunk_rows: Rows per Parquet record batch.
        columns: Read only these columns (the check still covers all of them).

    Raises:
        BatchRejected: Unreadable, wrongly encoded, truncated, or drifted from the declaration.
    """
    kind = file_format(path, spec)
    if kind == "parquet":
        yield from _parquet(path, spec, chunk_rows, columns)
    elif kind == "csv":
        yield from _select(_csv(path, spec), columns)
    else:
        yield from _select(_jsonl(path, spec), columns)


def file_format(path: Path, spec: SourceSpec) -> str:
    """``parquet``, ``csv`` or ``jsonl`` by extension (the declared format when unknown).

    >>> from ilteo.lake.sources import get_source
    >>> file_format(Path("a.ndjson"), get_source("ei_wages"))
    'jsonl'
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    return spec.file_format


def _select(chunks: Iterator[Chunk], columns: list[str] | None) -> Iterator[Chunk]:
    for chunk in chunks:
        yield (
            chunk
            if columns is None
            else Chunk(chunk.frame.select(columns), chunk.first_row, chunk.bytes_done)
        )


def _parquet(
    path: Path, spec: SourceSpec, chunk_rows: int, columns: list[str] | None
) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise BatchRejected(
            f"Parquet 파일을 읽을 수 없습니다 (잘렸거나 손상됨): {exc} / not a readable Parquet "
            f"file (truncated or corrupt): {exc}"
        ) from None
    check_columns(spec, parquet.schema_arrow.names)
    total = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=columns):
            frame = pl.from_arrow(batch)
            if not isinstance(frame, pl.DataFrame):  # pragma: no cover - a record batch
                raise TypeError("expected a table")
            yield Chunk(frame, row, int(size * min(1.0, (row + frame.height) / total)))
            row += frame.height
    except (pa.ArrowException, OSError) as exc:
        raise BatchRejected(
            f"Parquet 파일의 {row}행 이후를 읽을 수 없습니다: {exc} / the Parquet file cannot be "
            f"read after row {row}: {exc}"
        ) from None


def _blocks(path: Path, quoted: bool) -> Iterator[tuple[bytes, int, bool]]:
    """Yield ``(block, bytes_done, complete)`` cut after a line end (outside quotes if ``quoted``).

    The last block is yielded with ``complete`` false when the file does not end with a newline.
    """
    carry = b""
    done = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(TEXT_BLOCK_BYTES)
            done += len(block)
            data = carry + block
            if not block:
                if data:
                    yield data, done, data.endswith(b"\n")
                return
            cut = data.rfind(b"\n")
            while quoted and cut >= 0 and data.count(b'"', 0, cut) % 2 == 1:
                cut = data.rfind(b"\n", 0, cut)
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            yield data[: cut + 1], done - len(carry), True


def _decode(data: bytes, encoding: str, line_offset: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = line_offset + data.count(b"\n", 0, exc.start) + 1
        raise BatchRejected(
            f"{line}번째 줄이 선언된 인코딩 {encoding.upper()}이(가) 아닙니다 / line {line} is not "
            f"valid {encoding.upper()} (the declared encoding of this source)",
            line=line,
        ) from None


def _header(path: Path, spec: SourceSpec) -> tuple[list[str], int, str]:
    """Read and check the header: ``(columns, header bytes, encoding)``."""
    with path.open("rb") as handle:
        raw = handle.readline()
    declared = spec.encoding.lower()
    bom = raw.startswith(b"\xef\xbb\xbf")
    candidates = [declared, *(e for e in _ENCODINGS if e != declared)]
    names = [f.name for f in spec.fields]
    decoded: dict[str, list[str]] = {}
    for encoding in candidates:
        try:
            text = raw[3:].decode(encoding) if bom and encoding == "utf-8" else raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        decoded[encoding] = next(csv.reader([text.rstrip("\r\n")]), [])
    if not raw.strip():
        raise BatchRejected("빈 파일입니다 (머리행 없음) / empty file (no header line)")
    if declared in decoded and sorted(decoded[declared]) == sorted(names):
        return decoded[declared], len(raw), declared
    for encoding, columns in decoded.items():
        if encoding != declared and sorted(columns) == sorted(names):
            raise BatchRejected(
                f"파일 인코딩이 {encoding.upper()}로 보이지만 원천 '{spec.id}'은(는) "
                f"{declared.upper()}로 선언되어 있습니다 / the file looks {encoding.upper()} but "
                f"source {spec.id!r} declares {declared.upper()}",
                detected=encoding,
            )
    if declared not in decoded:
        raise BatchRejected(
            f"머리행이 선언된 인코딩 {declared.upper()}이(가) 아닙니다 / the header line is not "
            f"valid {declared.upper()} (the declared encoding of this source)"
        )
    check_columns(spec, decoded[declared])
    raise AssertionError("unreachable: the columns differ")  # pragma: no cover


def _csv(path: Path, spec: SourceSpec) -> Iterator[Chunk]:
    columns, header_bytes, encoding = _header(path, spec)
    row = 0
    lines = 1
    first = True
    for block, done, complete in _blocks(path, quoted=True):
        data = block[header_bytes:] if first else block
        first = False
        text = _decode(data, encoding, lines)
        if not complete:
            _check_last_line(text, len(columns), lines + text.count("\n") + 1)
        lines += text.count("\n")
        if not text.strip():
            continue
        try:
            frame = pl.read_csv(
                io.BytesIO(text.encode("utf-8")),
                has_header=False,
                new_columns=columns,
                infer_schema=False,
            )
        except pl.exceptions.PolarsError as exc:
            raise BatchRejected(
                f"CSV를 읽을 수 없습니다 ({lines}번째 줄 부근): {exc} / unreadable CSV near line "
                f"{lines}: {exc}"
            ) from None
        yield Chunk(frame, row, done)
        row += frame.height


def _check_last_line(text: str, width: int, line: int) -> None:
    """A last line without a newline must still hold every column (else the file was cut)."""
    last = text[text.rfind("\n") + 1 :]
    got = -1 if last.count('"') % 2 == 1 else len(next(csv.reader([last]), []))
    if got != width:
        raise BatchRejected(
            f"파일이 잘렸습니다: {line}번째(마지막) 줄이 불완전합니다 ({width}개 열 중 "
            f"{max(got, 0)}개) / truncated file: the last line ({line}) is incomplete "
            f"({max(got, 0)} of {width} columns)",
            line=line,
        )


def _jsonl(path: Path, spec: SourceSpec) -> Iterator[Chunk]:
    row = 0
    lines = 0
    for block, done, complete in _blocks(path, quoted=False):
        text = _decode(block, "utf-8", lines)
        if not text.strip():
            lines += text.count("\n")
            continue
        try:
            frame = pl.read_ndjson(io.BytesIO(block), infer_schema_length=None)
        except pl.exceptions.PolarsError:
            raise _bad_json(text, lines, complete) from None
        check_columns(spec, frame.columns)
        lines += text.count("\n")
        yield Chunk(frame, row, done)
        row += frame.height


def _bad_json(text: str, lines: int, complete: bool) -> BatchRejected:
    """Find the first line that is not a JSON object and say why."""
    parts = text.split("\n")
    for number, line in enumerate(parts, start=lines + 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            continue
        if not complete and number == lines + len(parts):
            return BatchRejected(
                f"파일이 잘렸습니다: {number}번째(마지막) 줄이 완전한 JSON이 아닙니다 / truncated "
                f"file: the last line ({number}) is not complete JSON",
                line=number,
            )
        return BatchRejected(
            f"{number}번째 줄이 JSON 객체가 아닙니다 / line {number} is not a JSON object",
            line=number,
        )
    return BatchRejected("JSON Lines를 읽을 수 없습니다 / unreadable JSON Lines")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def records_frame(spec: SourceSpec, records: Sequence[Any]) -> pl.DataFrame:
    """Live records as a frame of text columns, in declared order (absent keys are null).

    Raises:
        BatchRejected: A record is not an object, or has keys the source does not declare.

    >>> from ilteo.lake.sources import get_source
    >>> records_frame(get_source("ei_wages"), [{"wage_won": 5, "rrn": None}]).row(0)
    (None, None, None, None, '5')
    """
    keys: set[str] = set()
    for number, record in enumerate(records):
        if not isinstance(record, dict):
            raise BatchRejected(
                f"{number}번째 레코드가 객체가 아닙니다 / record {number} is not an object",
                record=number,
            )
        keys.update(record)
    check_columns(spec, sorted(keys), allow_missing=True)
    names = [f.name for f in spec.fields]
    data = {name: [_text(record.get(name)) for record in records] for name in names}
    return pl.DataFrame(data, schema=dict.fromkeys(names, pl.Utf8))
