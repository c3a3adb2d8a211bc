"""What the catalogue reads from the lake's files: schema, rows, modification time, date range.

Only Parquet footers are read for schema and row counts (no data pages), and one column for a date
range, so listing the catalogue stays cheap on a large lake. pyarrow and DuckDB are imported inside
the functions that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

#: How the catalogue names Arrow types (the vocabulary of ``FieldSpec.dtype``).
_ARROW_NAMES = (
    ("large_string", "str"),
    ("string", "str"),
    ("bool", "bool"),
    ("int", "int"),
    ("uint", "int"),
    ("float", "float"),
    ("double", "float"),
    ("decimal", "float"),
    ("date", "date"),
    ("timestamp", "datetime"),
)


@dataclass(frozen=True)
class FileFacts:
    """What the footer of a Parquet file says."""

    rows: int
    columns: tuple[tuple[str, str], ...]
    modified: datetime


def dtype_name(arrow_type: str) -> str:
    """The catalogue's name of an Arrow type.

    >>> dtype_name("large_string"), dtype_name("int64"), dtype_name("date32[day]")
    ('str', 'int', 'date')
    >>> dtype_name("timestamp[us, tz=UTC]"), dtype_name("list<item: string>")
    ('datetime', 'list<item: string>')
    """
    for prefix, name in _ARROW_NAMES:
        if arrow_type.startswith(prefix):
            return name
    return arrow_type


def modified_at(path: Path) -> datetime:
    """The modification time of ``path`` in UTC."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def parquet_facts(path: Path) -> FileFacts | None:
    """Rows, columns and modification time of a Parquet file; ``None`` if absent or unreadable.

    An unreadable file (a partial copy, another format) is reported as absent rather than failing
    the whole catalogue; the lake writes files atomically, so this should not happen.
    """
    if not path.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (OSError, ValueError):
        return None
    columns = tuple((field.name, dtype_name(str(field.type))) for field in schema)
    return FileFacts(rows=int(metadata.num_rows), columns=columns, modified=modified_at(path))


def folder_modified(path: Path) -> datetime | None:
    """The newest modification time of any file under ``path`` (``None`` if there is none)."""
    if not path.is_dir():
        return None
    times = [modified_at(p) for p in path.rglob("*") if p.is_file()]
    return max(times) if times else None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _footer_range(path: Path, column: str) -> tuple[date | None, date | None] | None:
    """The range from the row-group statistics of the footer; ``None`` when any group lacks them."""
    import pyarrow.parquet as pq

    metadata = pq.read_metadata(path)
    index = metadata.schema.to_arrow_schema().get_field_index(column)
    lows: list[date] = []
    highs: list[date] = []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            if stats is not None and stats.null_count == metadata.row_group(group).num_rows:
                continue  # an all-null group has no range and needs none
            return None
        low, high = _as_date(stats.min), _as_date(stats.max)
        if low is None or high is None:
            return None
        lows.append(low)
        highs.append(high)
    return (min(lows), max(highs)) if lows else (None, None)


def date_range(path: Path, column: str) -> tuple[date | None, date | None]:
    """The earliest and latest value of a date column of a Parquet file.

    Read from the footer's statistics when every row group has them (no data pages), else by
    scanning the one column with DuckDB.

    Args:
        path: A Parquet file.
        column: A column known to be in its schema (it is quoted, never interpolated raw).
    """
    try:
        found = _footer_range(path, column)
    except (OSError, ValueError, KeyError):
        found = None
    if found is not None:
        return found
    import duckdb

    quoted = '"' + column.replace('"', '""') + '"'
    with duckdb.connect() as connection:
        row = connection.execute(
            f"SELECT min({quoted}), max({quoted}) FROM read_parquet(?)",  # noqa: S608 - quoted name of a schema column
            [str(path)],
        ).fetchone()
    if row is None:
        return None, None
    return _as_date(row[0]), _as_date(row[1])
