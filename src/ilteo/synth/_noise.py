"""Realistic noise for record linkage: typed-wrong keys, name variants, formats per system.

Each record gets at most one corruption of its linkage fields (:func:`assign_corruptions`), so a
linker using name, birth date, phone, sex and address can still find it; formats (phone layout,
address style) differ systematically by system and are not counted as corruptions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ilteo.core.ids import is_valid_rrn
from ilteo.synth._hangul import romanize_name, typo_name

StrArray = np.ndarray[Any, np.dtype[np.str_]]


def assign_corruptions(
    rng: np.random.Generator, n: int, rates: dict[str, float], kinds: tuple[str, ...]
) -> StrArray:
    """Give each of ``n`` records at most one corruption kind (or ``"none"``).

    Args:
        rng: Random generator.
        n: Number of records.
        rates: Noise rates of the system (unknown kinds are ignored).
        kinds: The corruption kinds that apply to this system, in a fixed order.

    >>> out = assign_corruptions(np.random.default_rng(0), 1000, {"name_typo": 0.1}, ("name_typo",))
    >>> 60 < int((out == "name_typo").sum()) < 140
    True
    """
    labels = ["none", *kinds]
    p = np.asarray([rates.get(k, 0.0) for k in kinds], dtype=np.float64)
    if p.sum() > 1:
        raise ValueError("noise rates of one system add up to more than 1")
    probs = np.concatenate([[1 - p.sum()], p])
    return np.asarray(labels, dtype=np.str_)[rng.choice(len(labels), size=n, p=probs)]


def _digit_typo(rng: np.random.Generator, digits: str) -> str:
    """Replace one digit so that the check digit no longer matches."""
    for pos in rng.permutation(len(digits)).tolist():
        for new in rng.permutation(10).tolist():
            if str(new) == digits[pos]:
                continue
            candidate = digits[:pos] + str(new) + digits[pos + 1 :]
            if not is_valid_rrn(candidate, check_date=False):
                return candidate
    return digits  # pragma: no cover - some digit change always breaks the check


def _transposition(rng: np.random.Generator, digits: str) -> str:
    """Swap two adjacent different digits so that the check fails (else fall back to a typo)."""
    for pos in rng.permutation(len(digits) - 1).tolist():
        a, b = digits[pos], digits[pos + 1]
        if a == b:
            continue
        candidate = digits[:pos] + b + a + digits[pos + 2 :]
        if not is_valid_rrn(candidate, check_date=False):
            return candidate
    return _digit_typo(rng, digits)


def corrupt_rrns(rng: np.random.Generator, rrns: pl.Series, kinds: StrArray) -> pl.Series:
    """Apply ``rrn_digit_typo``, ``rrn_transposition`` and ``rrn_missing`` where ``kinds`` says.

    >>> kinds = np.array(["rrn_digit_typo", "none", "rrn_missing"])
    >>> out = corrupt_rrns(np.random.default_rng(1), pl.Series(["9001011234568"] * 3), kinds)
    >>> out[0] != "9001011234568", out[1], out[2]
    (True, '9001011234568', None)
    """
    values: list[str | None] = rrns.to_list()
    for i in np.flatnonzero(np.char.startswith(kinds, "rrn_")).tolist():
        kind, value = kinds[i], values[i]
        if value is None:
            continue
        if kind == "rrn_missing":
            values[i] = None
        elif kind == "rrn_transposition":
            values[i] = _transposition(rng, value)
        else:
            values[i] = _digit_typo(rng, value)
    return pl.Series(rrns.name, values, dtype=pl.Utf8)


def vary_names(
    rng: np.random.Generator, frame: pl.DataFrame, kinds: StrArray, column: str = "name"
) -> pl.Series:
    """Names with ``name_typo`` (one jamo off) or ``name_romanized`` (Revised Romanization)."""
    names: list[str] = frame[column].to_list()
    surnames = frame["surname"].to_list()
    givens = frame["given_name"].to_list()
    latin = frame["surname_latin"].to_list()
    for i in np.flatnonzero(kinds == "name_typo").tolist():
        names[i] = typo_name(names[i], rng)
    for i in np.flatnonzero(kinds == "name_romanized").tolist():
        names[i] = romanize_name(surnames[i], givens[i], latin[i], int(rng.integers(4)))
    return pl.Series(column, names, dtype=pl.Utf8)


def swap_date_digits(rng: np.random.Generator, texts: pl.Series, kinds: StrArray) -> pl.Series:
    """``birth_date_swap``: swap month and day, or two adjacent digits, of ``YYYYMMDD`` text.

    >>> swap_date_digits(np.random.default_rng(2), pl.Series(["19850312"]),
    ...                  np.array(["birth_date_swap"]))[0] != "19850312"
    True
    """
    values: list[str | None] = texts.to_list()
    for i in np.flatnonzero(kinds == "birth_date_swap").tolist():
        text = values[i]
        if not text:
            continue
        month, day = text[4:6], text[6:8]
        if month != day and rng.random() < 0.4:
            values[i] = text[:4] + day + month
            continue
        positions = [p for p in range(2, 7) if text[p] != text[p + 1]] or [4]
        p = positions[int(rng.integers(len(positions)))]
        values[i] = text[:p] + text[p + 1] + text[p] + text[p + 2 :]
    return pl.Series(texts.name, values, dtype=pl.Utf8)


def format_phones(
    rng: np.random.Generator, digits: pl.Series, formats: dict[str, float]
) -> pl.Series:
    """Write 11-digit mobile numbers as ``dash`` (010-1234-5678), ``bare`` or ``intl`` (+82 10-…).

    >>> format_phones(np.random.default_rng(0), pl.Series("p", ["01012345678", None]),
    ...               {"intl": 1.0}).to_list()
    ['+82 10-1234-5678', None]
    """
    n = len(digits)
    keys = list(formats)
    p = np.asarray([formats[k] for k in keys], dtype=np.float64)
    choice = pl.Series(np.asarray(keys)[rng.choice(len(keys), size=n, p=p / p.sum())])
    frame = pl.DataFrame({"d": digits, "f": choice})
    d = pl.col("d")
    dash = pl.format("{}-{}-{}", d.str.slice(0, 3), d.str.slice(3, 4), d.str.slice(7, 4))
    intl = pl.format("+82 {}-{}-{}", d.str.slice(1, 2), d.str.slice(3, 4), d.str.slice(7, 4))
    expr = (
        pl.when(d.is_null())
        .then(None)
        .when(pl.col("f") == "dash")
        .then(dash)
        .when(pl.col("f") == "intl")
        .then(intl)
        .otherwise(d)
    )
    return frame.select(expr.alias(digits.name)).to_series()


def choose_phone(frame: pl.DataFrame, kinds: StrArray) -> pl.Series:
    """The phone a record carries: the old number for ``phone_old``, none for ``phone_missing``."""
    kind = pl.Series(kinds)
    return frame.select(
        pl.when(kind == "phone_missing")
        .then(None)
        .when((kind == "phone_old") & pl.col("phone_old").is_not_null())
        .then(pl.col("phone_old"))
        .otherwise(pl.col("phone"))
        .alias("phone")
    ).to_series()


def add_old_phone_kind(
    rng: np.random.Generator, kinds: StrArray, changed: np.ndarray[Any, Any], rate: float
) -> StrArray:
    """Mark ``phone_old`` on uncorrupted records of persons who changed number, at ``rate``."""
    pick = (kinds == "none") & changed & (rng.random(len(kinds)) < rate)
    return np.where(pick, "phone_old", kinds)
