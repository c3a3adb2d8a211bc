"""Reference tables as the generator reads them, with helpers to cast their text columns."""

from __future__ import annotations

import polars as pl

from ilteo.core.settings import Settings


def load_table(dataset: str, table: str, settings: Settings) -> pl.DataFrame:
    """Return one validated reference table with its source column names.

    Args:
        dataset: Dataset id, e.g. ``kr_accidents``.
        table: Table name (file stem, lowercased, non-alphanumerics as ``_``).
        settings: Where the reference folder and cache are.

    Raises:
        DataUnavailableError: When the dataset is missing, corrupt or fails its schema.
    """
    from ilteo.reference import load

    return load(dataset, table, settings=settings)


def text(column: str) -> pl.Expr:
    """A column as stripped text, whatever type the loader gave it."""
    return pl.col(column).cast(pl.Utf8).str.strip_chars()


def number(column: str) -> pl.Expr:
    """A column as a float: strips thousands separators, ``%`` and spaces; blanks become null."""
    cleaned = text(column).str.replace_all(r"[,%\s]", "")
    return cleaned.cast(pl.Float64, strict=False)
