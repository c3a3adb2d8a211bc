"""A small bridge to reference data: ``ilteo.reference.load`` when it exists, else the raw files.

Remove the fallback once ``ilteo.reference`` is in place everywhere; callers only use
:func:`load_table` and cast the columns they need, so either source works.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ilteo.core.errors import DataUnavailableError
from ilteo.core.settings import Settings

#: (dataset, table) → (folder, file) in a directory laid out like ``shared/data``.
_FILES: dict[tuple[str, str], tuple[str, str]] = {
    ("ksco8", "ksco8_codes_4level_with_en"): (
        "ksco8-korean-occupation-codes",
        "ksco8_codes_4level_with_en.csv",
    ),
    ("ksic", "ksic11_codes_full"): ("ksic-korean-industry-codes", "ksic11_codes_full.csv"),
    ("crosswalks", "soc2010_soc2018"): ("crosswalks-occupation", "soc2010_soc2018.csv"),
    ("crosswalks", "soc2010_isco2008"): ("crosswalks-occupation", "soc2010_isco2008.csv"),
    ("kdt_courses", "kdt_courses_2021_01_to_2024_10"): (
        "kdt-training-courses-hrdnet",
        "kdt_courses_2021-01_to_2024-10.csv",
    ),
    ("kr_accidents", "accidents_by_industry_size_2021_2023"): (
        "korea-industrial-accidents",
        "accidents_by_industry_size_2021-2023.csv",
    ),
    ("bls_oews", "oews_national_may2024"): ("bls-oews-national", "oews_national_may2024.csv"),
}


def _reference_loader() -> Any:
    try:
        from ilteo.reference import load  # type: ignore[attr-defined, unused-ignore]
    except ImportError:  # the reference room is not there yet: read the files directly
        return None
    return load


def load_table(dataset: str, table: str, settings: Settings) -> pl.DataFrame:
    """Return one reference table with its source column names.

    Args:
        dataset: Dataset id, e.g. ``kr_accidents``.
        table: Table name (file stem, lowercased, non-alphanumerics as ``_``).
        settings: Where the reference folder is.

    Raises:
        DataUnavailableError: When the file is missing or unreadable.
    """
    loader = _reference_loader()
    if loader is not None:
        frame = loader(dataset, table, settings=settings)
        if not isinstance(frame, pl.DataFrame):  # pragma: no cover - contract guard
            raise DataUnavailableError(f"{dataset}/{table} did not load as a DataFrame")
        return frame
    folder, name = _FILES[(dataset, table)]
    path = settings.require_reference_dir() / folder / name
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataUnavailableError(
            f"참조 데이터를 읽을 수 없습니다 / cannot read reference data {path}: {exc}"
        ) from exc


def text(column: str) -> pl.Expr:
    """A column as stripped text, whatever type the loader gave it."""
    return pl.col(column).cast(pl.Utf8).str.strip_chars()


def number(column: str) -> pl.Expr:
    """A column as a float: strips thousands separators, ``%`` and spaces; blanks become null."""
    cleaned = text(column).str.replace_all(r"[,%\s]", "")
    return cleaned.cast(pl.Float64, strict=False)
