"""Personal identifiers at arrival: checked, hashed and masked as whole columns.

The scalar rules live in :mod:`ilteo.core.ids`; these are the same rules as polars expressions, so
a chunk of half a million rows is checked without a Python loop. The clear resident registration
number exists only inside a chunk being checked: :func:`protect_rrn` replaces it by its keyed hash
(and the birth date and sex it encodes) before anything is written.
"""

from __future__ import annotations

import re
from typing import Any, Final

import polars as pl

from ilteo.core.ids import BRN_WEIGHTS, RRN_WEIGHTS, rrn_hasher

__all__ = [
    "HASH_SUFFIX",
    "brn_digits",
    "brn_ok",
    "derived_columns",
    "hash_values",
    "mask_expr",
    "mask_text",
    "protect_rrn",
    "rrn_birth_date",
    "rrn_check_digit_ok",
    "rrn_digits",
    "rrn_format_ok",
    "rrn_sex",
    "scrub_rrns",
    "workplace_no_ok",
]

#: The hashed column replacing an RRN column ``rrn`` is ``rrn_hash``; the birth date and sex it
#: encodes become ``rrn_birth_date`` and ``rrn_sex``.
HASH_SUFFIX: Final = "_hash"
_CENTURY: Final = {
    **{"1": 1900, "2": 1900, "3": 2000, "4": 2000, "5": 1900, "6": 1900},
    **{"7": 2000, "8": 2000, "9": 1800, "0": 1800},
}


def derived_columns(field: str) -> tuple[str, str, str]:
    """Names of the hash, birth-date and sex columns that replace RRN column ``field``.

    >>> derived_columns("rrn")
    ('rrn_hash', 'rrn_birth_date', 'rrn_sex')
    """
    return f"{field}{HASH_SUFFIX}", f"{field}_birth_date", f"{field}_sex"


def _digits(expr: pl.Expr, length: int, pattern: str) -> pl.Expr:
    text = expr.cast(pl.Utf8).str.strip_chars()
    return (
        pl.when(text.str.contains(pattern)).then(text.str.replace_all("-", "")).otherwise(text)
    ).alias(f"_digits{length}")


def rrn_digits(expr: pl.Expr) -> pl.Expr:
    """An RRN column as thirteen bare digits when written ``YYMMDD-SNNNNNC`` (else unchanged)."""
    return _digits(expr, 13, r"^\d{6}-\d{7}$")


def brn_digits(expr: pl.Expr) -> pl.Expr:
    """A BRN column as ten bare digits when written ``NNN-NN-NNNNN`` (else unchanged)."""
    return _digits(expr, 10, r"^\d{3}-\d{2}-\d{5}$")


def rrn_format_ok(digits: pl.Expr) -> pl.Expr:
    """Thirteen ASCII digits."""
    return digits.str.contains(r"^\d{13}$")


def _weighted(digits: pl.Expr, weights: tuple[int, ...]) -> pl.Expr:
    terms = [digits.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(weights)]
    return pl.sum_horizontal(terms)


def rrn_check_digit_ok(digits: pl.Expr) -> pl.Expr:
    """The 13th digit is ``(11 - Σ dᵢ·wᵢ mod 11) mod 10`` (true for malformed values: not its rule).

    >>> frame = pl.DataFrame({"d": ["9001011234568", "9001011234567", "x"]})
    >>> frame.select(rrn_check_digit_ok(pl.col("d")))["d"].to_list()
    [True, False, True]
    """
    check = (11 - _weighted(digits, RRN_WEIGHTS) % 11) % 10
    last = digits.str.slice(12, 1).cast(pl.Int32, strict=False)
    return (~rrn_format_ok(digits)) | (check == last)


def rrn_birth_date(digits: pl.Expr) -> pl.Expr:
    """The birth date an RRN encodes (null when the date part is impossible or malformed).

    >>> pl.DataFrame({"d": ["9001011234568", "0502293234560"]}).select(
    ...     rrn_birth_date(pl.col("d")))["d"].to_list()
    [datetime.date(1990, 1, 1), None]
    """
    century = digits.str.slice(6, 1).replace_strict(_CENTURY, default=None, return_dtype=pl.Int32)
    year = (century + digits.str.slice(0, 2).cast(pl.Int32, strict=False)).cast(pl.Utf8)
    text = pl.concat_str([year.str.zfill(4), digits.str.slice(2, 4)])
    return (
        pl.when(rrn_format_ok(digits))
        .then(text.str.to_date("%Y%m%d", strict=False))
        .otherwise(None)
    )


def rrn_sex(digits: pl.Expr) -> pl.Expr:
    """``M`` for an odd sex digit, ``F`` for an even one (null when malformed)."""
    digit = digits.str.slice(6, 1).cast(pl.Int32, strict=False)
    return (
        pl.when(~rrn_format_ok(digits))
        .then(None)
        .when(digit % 2 == 1)
        .then(pl.lit("M"))
        .otherwise(pl.lit("F"))
    )


def brn_ok(digits: pl.Expr) -> pl.Expr:
    """Ten digits whose last is the BRN check digit of the first nine.

    >>> pl.DataFrame({"d": ["1234567891", "1234567890", "12"]}).select(
    ...     brn_ok(pl.col("d")))["d"].to_list()
    [True, False, False]
    """
    total = (
        _weighted(digits, BRN_WEIGHTS)
        + digits.str.slice(8, 1).cast(pl.Int32, strict=False) * 5 // 10
    )
    check = (10 - total % 10) % 10
    return digits.str.contains(r"^\d{10}$") & (
        check == digits.str.slice(9, 1).cast(pl.Int32, strict=False)
    )


def workplace_no_ok(digits: pl.Expr) -> pl.Expr:
    """Eleven digits whose first ten are a valid BRN (고용·산재보험 사업장관리번호).

    >>> pl.DataFrame({"d": ["12345678910", "12345678900"]}).select(
    ...     workplace_no_ok(pl.col("d")))["d"].to_list()
    [True, False]
    """
    return digits.str.contains(r"^\d{11}$") & brn_ok(digits.str.slice(0, 10))


def hash_values(values: pl.Series, key: str | bytes) -> pl.Series:
    """HMAC-SHA256 (hex) of every value, computed once per distinct value.

    Equal to :func:`ilteo.core.ids.hash_rrn` for a well-formed RRN.

    >>> from ilteo.core.ids import hash_rrn
    >>> out = hash_values(pl.Series(["9001011234568", None, "9001011234568"]), "k")
    >>> out[0] == out[2] == hash_rrn("900101-1234568", "k"), out[1]
    (True, None)
    """
    if not values.has_nulls() and values.n_unique() == values.len():
        return pl.Series(values.name, _hmac(values.to_list(), key), dtype=pl.Utf8)
    distinct = values.drop_nulls().unique().to_list()
    return values.replace_strict(distinct, _hmac(distinct, key), default=None, return_dtype=pl.Utf8)


def _hmac(values: list[Any], key: str | bytes) -> list[str]:
    state = rrn_hasher(key)
    out = []
    for value in values:
        copy = state.copy()
        copy.update(str(value).encode("utf-8"))
        out.append(copy.hexdigest())
    return out


def protect_rrn(frame: pl.DataFrame, field: str, key: str | bytes) -> pl.DataFrame:
    """Replace the clear RRN column ``field`` by its hash, birth date and sex.

    ``field`` must already hold bare digits (:func:`rrn_digits`). The birth date and sex are
    kept only when the number is well formed with a correct check digit.

    >>> frame = pl.DataFrame({"rrn": ["9001011234568", "9001011234567"], "x": [1, 2]})
    >>> out = protect_rrn(frame, "rrn", "k")
    >>> out.columns, out["rrn_sex"].to_list()
    (['rrn_hash', 'rrn_birth_date', 'rrn_sex', 'x'], ['M', None])
    """
    hashed, birth, sex = derived_columns(field)
    digits = pl.col(field)
    valid = rrn_format_ok(digits) & rrn_check_digit_ok(digits)
    # Computed once per distinct number (a person's wage rows repeat it every month), then joined.
    distinct = frame.select(digits.drop_nulls().unique())
    distinct = distinct.with_columns(
        hash_values(distinct.get_column(field), key).alias(hashed),
        pl.when(valid).then(rrn_birth_date(digits)).otherwise(None).alias(birth),
        pl.when(valid).then(rrn_sex(digits)).otherwise(None).alias(sex),
    )
    looked_up = frame.select(field).join(distinct, on=field, how="left", maintain_order="left")
    position = frame.columns.index(field)
    out = frame.drop(field)
    for offset, column in enumerate((hashed, birth, sex)):
        out = out.insert_column(position + offset, looked_up.get_column(column))
    return out


def mask_text(value: str | None, kind: str) -> str | None:
    """Mask a personal value for the quarantine screen.

    ``rrn`` keeps the birth date and sex digit (``900101-1******``); ``direct`` (names, phone
    numbers) keeps the first and last character; anything else is shown as it is.

    >>> mask_text("9001011234568", "rrn"), mask_text("홍길동", "direct"), mask_text("x", "none")
    ('900101-1******', '홍*동', 'x')
    """
    from ilteo.core.ids import mask_rrn

    if value is None:
        return None
    if kind == "rrn":
        return mask_rrn(value)
    if kind == "direct":
        if len(value) <= 2:
            return value[:1] + "*" * (len(value) - 1)
        return value[0] + "*" * (len(value) - 2) + value[-1]
    return value


def mask_expr(expr: pl.Expr, kind: str) -> pl.Expr:
    """:func:`mask_text` as an expression over a text column.

    >>> pl.DataFrame({"v": ["900101-1234568", "홍길동", "ab"]}).select(
    ...     mask_expr(pl.col("v"), "rrn"), mask_expr(pl.col("v"), "direct").alias("d")).rows()
    [('900101-1******', '9************8'), ('홍길동', '홍*동'), ('ab', 'a*')]
    """
    if kind == "rrn":
        digits = rrn_digits(expr)
        well_formed = pl.concat_str([digits.str.slice(0, 6), pl.lit("-"), digits.str.slice(6, 1)])
        other = expr.str.slice(0, 7) + pl.lit("*").repeat_by(
            (expr.str.len_chars().cast(pl.Int64) - 7).clip(0)
        ).list.join("")
        return pl.when(rrn_format_ok(digits)).then(well_formed + pl.lit("******")).otherwise(other)
    if kind == "direct":
        length = expr.str.len_chars().cast(pl.Int64)
        stars = pl.lit("*").repeat_by((length - 2).clip(0)).list.join("")
        return (
            pl.when(length <= 2)
            .then(expr.str.slice(0, 1) + pl.lit("*").repeat_by((length - 1).clip(0)).list.join(""))
            .otherwise(expr.str.slice(0, 1) + stars + expr.str.slice(-1, 1))
        )
    return expr


#: Thirteen digits standing alone (with or without the hyphen): what a clear RRN looks like.
_RRN_IN_TEXT: Final = re.compile(r"(?<![0-9A-Za-z])(\d{6})-?(\d)\d{6}(?![0-9A-Za-z])")


def scrub_rrns(text: str) -> str:
    """Mask anything in free text (an error message) that looks like an RRN.

    >>> scrub_rrns("bad value 9001011234568 in row 3; 900101-2234561")
    'bad value 900101-1****** in row 3; 900101-2******'
    """
    return _RRN_IN_TEXT.sub(r"\1-\2******", text)
