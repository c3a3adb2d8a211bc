"""How a source's rows look at each stage: declared types, parsing, and the stored layouts.

Values arrive as text (CSV, JSON) or typed (Parquet); :func:`parse_column` turns either into the
declared type, yielding null where a value does not parse (the contract reports it). Stored
layouts, as Arrow schemas:

* staged (and curated): ``_batch_id``, ``_row_number``, then the typed fields; an RRN field
  ``rrn`` is stored as ``rrn_hash``, ``rrn_birth_date`` and ``rrn_sex``;
* quarantine: ``_batch_id``, ``_row_number``, ``_failures`` (list of ``rule``, ``column``,
  ``value``), then the fields as received, as text (RRN fields hashed the same way).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import polars as pl

from ilteo.lake.protect import derived_columns
from ilteo.lake.spec import SourceSpec

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "DTYPES",
    "KOREA",
    "as_text",
    "parse_column",
    "quarantine_schema",
    "staged_schema",
    "today_in_korea",
]

#: Polars type of each declared ``dtype``.
DTYPES: Final[dict[str, pl.DataType]] = {
    "str": pl.Utf8(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us", "UTC"),
}
KOREA: Final = ZoneInfo("Asia/Seoul")
_DATE_FORMATS: Final = ("%Y-%m-%d", "%Y%m%d", "%Y.%m.%d", "%Y/%m/%d")
_DATETIME_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z")
_NAIVE_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f")
_TRUE: Final = ("true", "t", "1", "y", "yes")
_FALSE: Final = ("false", "f", "0", "n", "no")


def today_in_korea() -> date:
    """Today's date in Korea (the clock contracts use unless one is given)."""
    return datetime.now(KOREA).date()


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.strip_chars() == "").then(None).otherwise(expr)


def parse_column(name: str, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    """An expression turning column ``name`` of type ``source`` into ``target`` (null if it fails).

    >>> frame = pl.DataFrame({"d": ["2024-01-31", "20240131", "2024-02-30", None]})
    >>> frame.select(parse_column("d", pl.Utf8(), pl.Date()))["d"].to_list()[:3]
    [datetime.date(2024, 1, 31), datetime.date(2024, 1, 31), None]
    """
    col = pl.col(name)
    if source == target:
        return col
    if source.is_nested():
        return pl.lit(None, dtype=target).alias(name)
    if target == pl.Utf8:
        return col.cast(pl.Utf8)
    if source != pl.Utf8:
        return _cast_typed(col, source, target).alias(name)
    text = col.str.strip_chars()
    if target == pl.Date:
        return pl.coalesce(text.str.to_date(f, strict=False) for f in _DATE_FORMATS).alias(name)
    if target == pl.Datetime:
        aware = [text.str.to_datetime(f, strict=False, time_zone="UTC") for f in _DATETIME_FORMATS]
        naive = [
            text.str.to_datetime(f, strict=False).dt.replace_time_zone(str(KOREA))
            for f in _NAIVE_FORMATS
        ]
        dated = text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
        naive.append(dated.dt.replace_time_zone(str(KOREA)))
        return pl.coalesce(*aware, *(n.dt.convert_time_zone("UTC") for n in naive)).alias(name)
    if target == pl.Boolean:
        lower = text.str.to_lowercase()
        return (pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)).alias(
            name
        )
    if target == pl.Int64:
        number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
        return pl.when(number == number.floor()).then(number.cast(pl.Int64, strict=False))
    return text.str.replace_all(",", "").cast(target, strict=False).alias(name)


def _cast_typed(col: pl.Expr, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    if target == pl.Date and source == pl.Datetime:
        return col.dt.date()
    if target == pl.Datetime and source == pl.Date:
        return (
            col.cast(pl.Datetime("us")).dt.replace_time_zone(str(KOREA)).dt.convert_time_zone("UTC")
        )
    if target == pl.Datetime and isinstance(source, pl.Datetime):
        if source.time_zone is None:
            return col.dt.replace_time_zone(str(KOREA)).dt.convert_time_zone("UTC")
        return col.dt.convert_time_zone("UTC")
    if target == pl.Int64 and source.is_float():
        return pl.when(col == col.floor()).then(col.cast(pl.Int64, strict=False))
    return col.cast(target, strict=False)


def as_text(name: str, source: pl.DataType) -> pl.Expr:
    """A column as the text a steward sees and a retry re-parses."""
    col = pl.col(name)
    if source == pl.Utf8:
        return _blank_to_null(col)
    if isinstance(source, pl.Datetime):
        zone = "%z" if source.time_zone else ""
        return col.dt.to_string(f"%Y-%m-%dT%H:%M:%S{zone}")
    if source == pl.Boolean:
        return pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
    if source.is_nested():
        return pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    return col.cast(pl.Utf8)


def _arrow(dtype: str) -> Any:
    import pyarrow as pa

    return {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }[dtype]


def _fields(spec: SourceSpec, text: bool) -> list[Any]:
    import pyarrow as pa

    out = [pa.field("_batch_id", pa.string()), pa.field("_row_number", pa.int64())]
    if text:
        failure = pa.struct(
            [("rule", pa.string()), ("column", pa.string()), ("value", pa.string())]
        )
        out.append(pa.field("_failures", pa.list_(failure)))
    for f in spec.fields:
        if f.personal == "rrn":
            hashed, birth, sex = derived_columns(f.name)
            out += [
                pa.field(hashed, pa.string()),
                pa.field(birth, pa.date32()),
                pa.field(sex, pa.string()),
            ]
        else:
            out.append(pa.field(f.name, pa.string() if text else _arrow(f.dtype)))
    return out


def staged_schema(spec: SourceSpec) -> pyarrow.Schema:
    """Arrow schema of staged (and curated) files of ``spec``: lineage, then the typed fields."""
    import pyarrow as pa

    return pa.schema(_fields(spec, text=False))


def quarantine_schema(spec: SourceSpec) -> pyarrow.Schema:
    """Arrow schema of quarantine files: lineage, failures, then the fields as received (text)."""
    import pyarrow as pa

    return pa.schema(_fields(spec, text=True))
