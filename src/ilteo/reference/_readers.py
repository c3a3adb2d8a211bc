"""Read one declared file into a polars frame and check it against its schema.

Used by loading (shared copies) and by fetch (converted downloads), so both validate the same way.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from ilteo.reference.spec import Column, DataFile

_POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "str": pl.Utf8,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
}


class FileProblem(Exception):
    """A file does not match its declaration; carries a Korean and an English description."""

    def __init__(self, ko: str, en: str) -> None:
        super().__init__(en)
        self.ko = ko
        self.en = en


def _header(path: Path, data_file: DataFile) -> list[str]:
    if data_file.format == "jsonl":
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        try:
            record = json.loads(first) if first.strip() else {}
        except ValueError as exc:
            raise FileProblem("첫 줄이 JSON이 아닙니다", f"first line is not JSON ({exc})") from exc
        return list(record) if isinstance(record, dict) else []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        line = handle.readline()
    row = next(csv.reader(io.StringIO(line), delimiter=data_file.separator), [])
    return row


def _check_columns(found: list[str], required: tuple[Column, ...]) -> None:
    missing = [c.name for c in required if c.name not in found]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise FileProblem(f"필수 열이 없습니다: {names}", f"required columns missing: {names}")


def read_data_file(path: Path, data_file: DataFile) -> pl.DataFrame:
    """Read ``path`` as declared by ``data_file`` and validate columns, types and row count.

    Columns keep their source names exactly; declared columns get their declared type (codes stay
    strings), the others are inferred from the whole file.

    Raises:
        FileProblem: A required column is missing, a value does not fit its type, the file cannot
            be parsed, or the number of rows differs from the declaration.
    """
    try:
        header = _header(path, data_file)
    except UnicodeDecodeError as exc:
        raise FileProblem("UTF-8 텍스트가 아닙니다", f"not UTF-8 text ({exc.reason})") from exc
    _check_columns(header, data_file.columns)
    overrides = {c.name: _POLARS_TYPES[c.type] for c in data_file.columns}
    try:
        if data_file.format == "jsonl":
            frame = pl.read_ndjson(path, schema_overrides=overrides, infer_schema_length=None)
        else:
            frame = pl.read_csv(
                path,
                separator=data_file.separator,
                infer_schema_length=None,
                schema_overrides=overrides,
                encoding="utf8",
            )
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileProblem(
            f"선언된 형식으로 읽을 수 없습니다 ({detail})",
            f"cannot be read with its declared types ({detail})",
        ) from exc
    if data_file.rows is not None and frame.height != data_file.rows:
        raise FileProblem(
            f"행 수가 다릅니다 (선언 {data_file.rows}, 실제 {frame.height})",
            f"row count differs (declared {data_file.rows}, found {frame.height})",
        )
    if data_file.partition is not None:
        column, value = data_file.partition
        frame = frame.with_columns(pl.lit(value, dtype=pl.Utf8).alias(column))
    return frame
