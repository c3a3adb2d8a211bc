"""Record ids, ground-truth link rows and small lookups shared by the source builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa


@dataclass(slots=True)
class Extract:
    """What the builders made for one block: tables by output path, and ground-truth links."""

    tables: dict[str, list[pl.DataFrame | pa.Table]] = field(default_factory=dict)
    links: list[pl.DataFrame] = field(default_factory=list)

    def add(self, path: str, table: pl.DataFrame | pa.Table) -> None:
        """Add rows for one output file."""
        self.tables.setdefault(path, []).append(table)


#: Columns of ``ground_truth/record_links.parquet``.
LINK_SCHEMA = pl.Schema(
    {
        "source": pl.Utf8(),
        "record_id": pl.Utf8(),
        "person_id": pl.Int64(),
        "workplace_id": pl.Int64(),
        "noise": pl.Utf8(),
    }
)


def record_ids(prefix: str, block: int, n: int) -> pl.Series:
    """Ids unique over the run: prefix, five-digit block number, seven-digit sequence.

    >>> record_ids("EI", 3, 2).to_list()
    ['EI000030000000', 'EI000030000001']
    """
    seq = pl.int_range(n, eager=True).cast(pl.Utf8).str.zfill(7)
    return (f"{prefix}{block:05d}" + seq).alias("record_id")


def link_rows(
    source: str,
    ids: pl.Series,
    person_id: np.ndarray[Any, Any] | pl.Series | None,
    workplace_id: np.ndarray[Any, Any] | pl.Series | None = None,
    noise: np.ndarray[Any, Any] | pl.Series | None = None,
) -> pl.DataFrame:
    """Ground-truth rows tying each record of ``source`` to its true person and workplace."""
    n = len(ids)

    def column(values: Any, dtype: Any) -> pl.Series:
        if values is None:
            return pl.Series([None] * n, dtype=dtype)
        return pl.Series(values).cast(dtype)

    return pl.DataFrame(
        {
            "source": pl.Series([source] * n, dtype=pl.Utf8),
            "record_id": ids.cast(pl.Utf8),
            "person_id": column(person_id, pl.Int64),
            "workplace_id": column(workplace_id, pl.Int64),
            "noise": column(noise, pl.Utf8) if noise is not None else pl.Series(["none"] * n),
        }
    )


def null_unless(values: Any, keep: np.ndarray[Any, Any]) -> pl.Series:
    """``values`` as a Series, null where ``keep`` is false.

    >>> null_unless(["a", "b"], np.array([True, False])).to_list()
    ['a', None]
    """
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    return series.zip_with(pl.Series(keep), pl.Series([None] * len(series), dtype=series.dtype))


def by_year(table: dict[int, int], years: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A step function of the calendar year: the value of the latest listed year ≤ each year.

    Years before the first listed one take the first value.

    >>> by_year({2019: 66000, 2026: 68100}, np.array([2018, 2025, 2026, 2030])).tolist()
    [66000, 66000, 68100, 68100]
    """
    keys = np.asarray(sorted(table), dtype=np.int64)
    values = np.asarray([table[int(k)] for k in keys])
    return np.asarray(values[np.clip(np.searchsorted(keys, years, side="right") - 1, 0, None)])


def days_between(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Whole days from ``a`` to ``b`` as integers."""
    return np.asarray((b - a).astype("timedelta64[D]").astype(np.int64))


def uniform_days(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray[Any, Any]:
    """``n`` random day offsets in ``[low, high]`` as ``timedelta64[D]``."""
    return rng.integers(low, high + 1, size=n).astype("timedelta64[D]")
