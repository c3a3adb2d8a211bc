"""Standard keys: names, phones, 시도, addresses, birth dates and sex in one comparable form.

Each source system writes the same facts differently (``010-1234-5678`` / ``01012345678`` /
``+82 10-1234-5678``; ``서울특별시`` / ``서울``; ``남`` / ``M``; Hangul or romanised names), so
linkage compares standardised columns only. The pure helpers below carry doctests; the
``*_expr`` functions are the same rules as vectorised Polars expressions, and
:func:`standardise_person_records` / :func:`standardise_workplace_records` apply them to the
curated tables.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

import polars as pl

from ilteo.lake.hangul import COMPOUND_SURNAMES, latin_name_readings, syllable_table

__all__ = [
    "ANONYMOUS_NAMES",
    "SIDO",
    "BirthDateAgreement",
    "address_parts",
    "birth_date_agreement",
    "brn_valid_expr",
    "normalise_phone",
    "normalise_sex",
    "phone_expr",
    "sex_expr",
    "sido_code",
    "sido_expr",
    "standardise_person_records",
    "standardise_workplace_records",
    "workplace_name_key",
]

#: 시도: two-digit 행정표준코드 → (official name, short name, other spellings and former codes).
SIDO: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "11": ("서울특별시", "서울", ("서울시",)),
    "26": ("부산광역시", "부산", ("부산시",)),
    "27": ("대구광역시", "대구", ("대구시",)),
    "28": ("인천광역시", "인천", ("인천시",)),
    "29": ("광주광역시", "광주", ()),  # "광주시" is also a city of 경기도: not an alias
    "30": ("대전광역시", "대전", ("대전시",)),
    "31": ("울산광역시", "울산", ("울산시",)),
    "36": ("세종특별자치시", "세종", ("세종시",)),
    "41": ("경기도", "경기", ()),
    "43": ("충청북도", "충북", ()),
    "44": ("충청남도", "충남", ()),
    "46": ("전라남도", "전남", ()),
    "47": ("경상북도", "경북", ()),
    "48": ("경상남도", "경남", ()),
    "50": ("제주특별자치도", "제주", ("제주도",)),
    "51": ("강원특별자치도", "강원", ("강원도", "42")),  # code 42 until 2023-06
    "52": ("전북특별자치도", "전북", ("전라북도", "45")),  # code 45 until 2024-01
}

#: Placeholders written instead of a name; they identify nobody.
ANONYMOUS_NAMES = frozenset({"익명", "무기명", "비공개", "미상", "anonymous", "unknown"})

_LEGAL_FORMS = re.compile(r"\(주\)|㈜|주식회사|\(유\)|유한회사|\(사\)|사단법인|\(재\)|재단법인")
_SITE_SUFFIX = re.compile(r"(본사|본점|공장|지점|지사|현장|사업장|영업소)$")
_ROAD = r"^(\S+(?:로|길))\s*(\d+(?:-\d+)?)"
_LOT = r"^(\S+(?:동|리|가))\s+(?:산\s*)?(\d+(?:-\d+)?)"
_SIGUNGU = r"^((?:\S+시\s+)?\S+[시군구])(?:\s|$)"

BirthDateAgreement = Literal["exact", "swap", "transposition", "year", "other", "missing"]


def _sido_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, (name, short, others) in SIDO.items():
        for spelling in (code, name, short, *others):
            lookup[spelling] = code
    return lookup


def sido_code(text: str | None) -> str | None:
    """The two-digit 시도 code of a code, a name in any usual spelling, or an address.

    >>> sido_code("서울"), sido_code("서울특별시 관악구 봉천로 1"), sido_code("42")
    ('11', '11', '51')
    >>> sido_code("전라북도"), sido_code("Seoul") is None
    ('52', True)
    """
    if not text:
        return None
    first = unicodedata.normalize("NFC", text).split(maxsplit=1)
    return _sido_lookup().get(first[0]) if first else None


def sido_expr(column: str | pl.Expr) -> pl.Expr:
    """Polars expression: :func:`sido_code` of the first word of a column.

    >>> frame = pl.DataFrame({"a": ["경기 화성시", "41", None, "X"]})
    >>> frame.select(sido_expr("a")).to_series().to_list()
    ['41', '41', None, None]
    """
    col = pl.col(column) if isinstance(column, str) else column
    first = col.str.normalize("NFC").str.strip_chars().str.extract(r"^(\S+)")
    return first.replace_strict(_sido_lookup(), default=None, return_dtype=pl.Utf8)


def normalise_phone(text: str | None) -> str | None:
    """A telephone number as national digits (``01012345678``), or ``None`` when not a number.

    >>> normalise_phone("010-1234-5678"), normalise_phone("+82 10-1234-5678")
    ('01012345678', '01012345678')
    >>> normalise_phone("0082-10 1234 5678"), normalise_phone("02-123-4567")
    ('01012345678', '021234567')
    >>> normalise_phone("12345") is None, normalise_phone(None) is None
    (True, True)
    """
    if text is None:
        return None
    frame = pl.DataFrame({"p": [text]}, schema={"p": pl.Utf8})
    value: str | None = frame.select(phone_expr("p")).to_series()[0]
    return value


def phone_expr(column: str) -> pl.Expr:
    """Polars expression: :func:`normalise_phone` (``+82`` or ``0082`` → ``0``; 9 to 11 digits)."""
    digits = pl.col(column).str.replace_all(r"\D", "")
    national = (
        pl.when(digits.str.starts_with("0082"))
        .then("0" + digits.str.slice(4))
        .when(digits.str.starts_with("82") & (digits.str.len_chars() >= 10))
        .then("0" + digits.str.slice(2))
        .otherwise(digits)
    )
    return pl.when(national.str.contains(r"^0\d{8,10}$")).then(national).otherwise(None)


def normalise_sex(text: str | None) -> str | None:
    """``M`` or ``F`` from the ways systems write sex; ``None`` when unknown.

    >>> [normalise_sex(v) for v in ["남", "여자", "F", "male", "?", None]]
    ['M', 'F', 'F', 'M', None, None]
    """
    if text is None:
        return None
    return _SEX.get(text.strip().lower())


_SEX = {"m": "M", "male": "M", "남": "M", "남자": "M", "남성": "M", "f": "F", "female": "F"}
_SEX |= {"여": "F", "여자": "F", "여성": "F"}


def sex_expr(column: str) -> pl.Expr:
    """Polars expression: :func:`normalise_sex`."""
    return (
        pl.col(column)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_SEX, default=None, return_dtype=pl.Utf8)
    )


def address_parts(address: str | None) -> tuple[str | None, str | None, str | None]:
    """Reduce a road (도로명) or lot (지번) address to comparable parts.

    Returns ``(시도 code, 시군구, locality key)``: the key is ``R:<road> <building number>`` for a
    road address and ``J:<동/리> <lot>`` for a lot address; units (동·호) are ignored. A road and a
    lot address of the same building agree on 시도 and 시군구 only (there is no geocoder here).

    >>> address_parts("서울특별시 영등포구 장터로 2 112동 2201호")
    ('11', '영등포구', 'R:장터로 2')
    >>> address_parts("서울 영등포구 구림동 431-5")
    ('11', '영등포구', 'J:구림동 431-5')
    >>> address_parts("경기도 수원시 영통구 봉황로 16")
    ('41', '수원시 영통구', 'R:봉황로 16')
    """
    frame = pl.DataFrame({"a": [address]}, schema={"a": pl.Utf8})
    row = frame.select(*_address_exprs("a")).row(0)
    return row[0], row[1], row[2]


def _address_exprs(column: str) -> list[pl.Expr]:
    text = pl.col(column).str.normalize("NFC").str.replace_all(r"\s+", " ").str.strip_chars()
    code = sido_expr(text)
    rest = pl.when(code.is_not_null()).then(text.str.replace(r"^\S+\s*", "")).otherwise(text)
    sigungu = rest.str.extract(_SIGUNGU)
    local = rest.str.slice(sigungu.str.len_chars().fill_null(0)).str.strip_chars()
    road = pl.format("R:{} {}", local.str.extract(_ROAD, 1), local.str.extract(_ROAD, 2))
    lot = pl.format("J:{} {}", local.str.extract(_LOT, 1), local.str.extract(_LOT, 2))
    return [
        code.alias("addr_sido"),
        sigungu.alias("sigungu"),
        pl.coalesce(road, lot).alias("addr_key"),
    ]


def birth_date_agreement(left: date | str | None, right: date | str | None) -> BirthDateAgreement:
    """How two birth dates agree, tolerating the usual typing errors.

    ``swap``: day and month exchanged; ``transposition``: two adjacent digits of ``YYYYMMDD``
    exchanged; ``year``: same year only. The Splink comparison uses the same rules in SQL.

    >>> birth_date_agreement("19850312", date(1985, 3, 12))
    'exact'
    >>> birth_date_agreement("19851203", "19850312"), birth_date_agreement("19850321", "19850312")
    ('swap', 'transposition')
    >>> birth_date_agreement("19580312", "19850312"), birth_date_agreement("19851111", "19850312")
    ('transposition', 'year')
    >>> birth_date_agreement(None, "19850312")
    'missing'
    """
    a, b = _ymd(left), _ymd(right)
    if a is None or b is None:
        return "missing"
    if a == b:
        return "exact"
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return "swap"
    diff = [i for i in range(8) if a[i] != b[i]]
    adjacent = len(diff) == 2 and diff[1] == diff[0] + 1
    if adjacent and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return "transposition"
    return "year" if a[:4] == b[:4] else "other"


def _ymd(value: date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    digits = re.sub(r"\D", "", value)
    return digits if len(digits) == 8 else None


def workplace_name_key(name: str | None) -> str | None:
    """A company name without legal form, site suffix, spaces or punctuation.

    >>> workplace_name_key("(주)한빛정밀"), workplace_name_key("주식회사 한빛 정밀 공장")
    ('한빛정밀', '한빛정밀')
    """
    if name is None:
        return None
    frame = pl.DataFrame({"n": [name]}, schema={"n": pl.Utf8})
    value: str | None = frame.select(_workplace_name_expr("n")).to_series()[0]
    return value


def _workplace_name_expr(column: str) -> pl.Expr:
    bare = pl.col(column).str.normalize("NFC").str.replace_all(_LEGAL_FORMS.pattern, " ")
    bare = bare.str.strip_chars().str.replace(r"\s+" + _SITE_SUFFIX.pattern, "")
    bare = bare.str.replace_all(r"[\s\W_]+", "")
    return pl.when(bare.str.len_chars() > 0).then(bare).otherwise(None)


def _name_exprs(column: str) -> list[pl.Expr]:
    """Hangul name, surname, jamo code and romanised form (Latin names are parsed later)."""
    table = syllable_table()
    codes = {ch: v[1] for ch, v in table.items()}
    rr = {ch: v[2] for ch, v in table.items()}
    text = pl.col(column).str.normalize("NFC").str.strip_chars()
    text = pl.when(text.str.to_lowercase().is_in(list(ANONYMOUS_NAMES))).then(None).otherwise(text)
    latin = text.str.contains(r"^[A-Za-z][A-Za-z .,'\-]*$")
    hangul = text.str.replace_all(r"[^\uAC00-\uD7A3]", "")
    hangul = pl.when(latin.not_() & (hangul.str.len_chars() > 0)).then(hangul).otherwise(None)
    compound = (hangul.str.len_chars() >= 3) & hangul.str.slice(0, 2).is_in(
        sorted(COMPOUND_SURNAMES)
    )
    surname = pl.when(compound).then(hangul.str.slice(0, 2)).otherwise(hangul.str.slice(0, 1))
    given = hangul.str.slice(surname.str.len_chars())
    return [
        pl.when(latin).then(text).otherwise(None).alias("name_latin"),
        hangul.alias("name_hangul"),
        surname.alias("surname"),
        given.str.replace_many(rr).alias("given_rr"),
        hangul.str.replace_many(codes).alias("name_jamo"),
    ]


def _romanised_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill surname and given name of Latin names (few rows: parsed in Python, then joined)."""
    latin = frame.select("name_latin").drop_nulls().unique()
    rr = {ch: v[2] for ch, v in syllable_table().items()}
    readings = [latin_name_readings(name) or [("", "")] for name in latin["name_latin"].to_list()]
    alt = [r[1][0] + r[1][1] if len(r) > 1 else None for r in readings]
    lookup = latin.with_columns(
        pl.Series("l_surname", [r[0][0] for r in readings], dtype=pl.Utf8),
        pl.Series("l_given", [r[0][1] for r in readings], dtype=pl.Utf8),
        pl.Series("name_rr_alt", alt, dtype=pl.Utf8).str.replace_many(rr),
    )
    out = frame.join(lookup, on="name_latin", how="left", nulls_equal=False)
    out = out.with_columns(
        pl.coalesce("surname", "l_surname").alias("surname"),
        pl.coalesce("given_rr", "l_given").alias("given_rr"),
    ).drop("l_surname", "l_given")
    name_rr = pl.col("surname").str.replace_many(rr) + pl.col("given_rr")
    return out.with_columns(name_rr.alias("name_rr"))


def _fingerprint(*columns: str) -> pl.Expr:
    parts = [pl.col(c).cast(pl.Utf8).fill_null("\u2205") for c in columns]
    return pl.concat_str(parts, separator="\u241f")


_PERSON_TEXT = ("source", "record_id", "rrn_hash", "name", "sex", "phone", "address", "sido_code")
_WORKPLACE_TEXT = (
    "source", "record_id", "brn", "workplace_no", "workplace_name", "workplace_address",
    "sido_code", "ksic_code",
)  # fmt: skip


def _typed(records: pl.DataFrame, text: tuple[str, ...]) -> pl.DataFrame:
    """Text columns as text (an all-null column of a small batch has no type), missing as null."""
    return records.with_columns(
        pl.col(c).cast(pl.Utf8) if c in records.columns else pl.lit(None, dtype=pl.Utf8).alias(c)
        for c in text
    )


def standardise_person_records(records: pl.DataFrame) -> pl.DataFrame:
    """Standard linkage columns of ``curated/person_records`` rows.

    Input columns: ``source, record_id, rrn_hash, name, birth_date, sex, phone, address,
    sido_code`` and, when present, ``same_as_source, same_as_record_id`` (a record of the same
    person named by the source system itself, e.g. a counselling contact's registration).

    Returns one row per record: ``rkey`` (``source/record_id``), ``key`` (the RRN hash),
    ``same_as`` (an ``rkey``), ``name_hangul, name_latin, surname, given_rr, name_rr,
    name_rr_alt`` (a second reading of an ambiguous romanised name), ``name_jamo, birth_date``
    (``YYYYMMDD``), ``sex, phone, sido_code, sigungu, addr_key``, ``identifiable`` (a name or a
    phone to match on) and ``fingerprint`` (the raw linkage fields, to notice corrected records).
    """
    frame = _typed(records, (*_PERSON_TEXT, "same_as_source", "same_as_record_id"))
    frame = frame.with_columns(pl.col("birth_date").cast(pl.Date, strict=False))
    raw = ["rrn_hash", "name", "birth_date", "sex", "phone", "address", "sido_code"]
    raw += ["same_as_source", "same_as_record_id"]
    birth = pl.col("birth_date").cast(pl.Date, strict=False).dt.strftime("%Y%m%d")
    out = frame.select(
        pl.format("{}/{}", "source", "record_id").alias("rkey"),
        "source",
        pl.col("record_id").cast(pl.Utf8),
        pl.col("rrn_hash").cast(pl.Utf8).alias("key"),
        pl.when(pl.col("same_as_record_id").is_not_null())
        .then(pl.format("{}/{}", "same_as_source", "same_as_record_id"))
        .alias("same_as"),
        *_name_exprs("name"),
        birth.alias("birth_date"),
        sex_expr("sex").alias("sex"),
        phone_expr("phone").alias("phone"),
        *_address_exprs("address"),
        sido_expr("sido_code").alias("sido_given"),
        _fingerprint(*raw).alias("fingerprint"),
    )
    out = _romanised_names(out)
    sido = pl.coalesce("sido_given", "addr_sido").alias("sido_code")
    identifiable = pl.col("name_rr").is_not_null() | pl.col("phone").is_not_null()
    return out.with_columns(sido, identifiable.alias("identifiable")).drop(
        "sido_given", "addr_sido"
    )


def brn_valid_expr(digits: pl.Expr) -> pl.Expr:
    """Polars expression: ten digits with a valid business-registration check digit.

    >>> pl.DataFrame({"b": ["1234567891", "1234567890", "12"]}).select(
    ...     brn_valid_expr(pl.col("b"))).to_series().to_list()
    [True, False, False]
    """
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    d = [digits.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(10)]
    total = pl.sum_horizontal(di * w for di, w in zip(d[:9], weights, strict=True))
    total = total + (d[8] * 5) // 10
    return digits.str.contains(r"^\d{10}$") & (((10 - total % 10) % 10) == d[9])


def standardise_workplace_records(records: pl.DataFrame) -> pl.DataFrame:
    """Standard linkage columns of ``curated/workplace_records`` rows.

    The key is the business registration number when its check digit is valid, otherwise the
    고용보험 management number (``W:`` prefixed), otherwise null (the record is matched on its
    name and address). Names lose legal form and site suffixes (:func:`workplace_name_key`).
    """
    digits = {c: pl.col(c).cast(pl.Utf8).str.replace_all(r"\D", "") for c in ("brn", "wno")}
    frame = _typed(records, _WORKPLACE_TEXT).rename({"workplace_no": "wno"})
    frame = frame.with_columns(**digits)
    brn_ok = brn_valid_expr(pl.col("brn"))
    # A 고용보험 management number is the BRN followed by a branch digit.
    from_wno = pl.col("wno").str.slice(0, 10)
    brn = (
        pl.when(brn_ok)
        .then(pl.col("brn"))
        .when(brn_valid_expr(pl.col("wno_brn")))
        .then(pl.col("wno_brn"))
    )
    raw = ["brn", "wno", "workplace_name", "workplace_address", "sido_code", "ksic_code"]
    out = frame.with_columns(from_wno.alias("wno_brn")).select(
        pl.format("{}/{}", "source", "record_id").alias("rkey"),
        "source",
        pl.col("record_id").cast(pl.Utf8),
        brn.alias("brn"),
        pl.when(pl.col("wno").str.len_chars() > 0).then(pl.col("wno")).alias("workplace_no"),
        _workplace_name_expr("workplace_name").alias("name_key"),
        pl.col("workplace_name").alias("name"),
        pl.col("workplace_address").alias("address"),
        *_address_exprs("workplace_address"),
        sido_expr("sido_code").alias("sido_given"),
        pl.col("ksic_code").cast(pl.Utf8),
        _fingerprint(*raw).alias("fingerprint"),
    )
    codes = {ch: v[1] for ch, v in syllable_table().items()}
    key = pl.coalesce(pl.col("brn"), pl.lit("W:") + pl.col("workplace_no"))
    return out.with_columns(
        key.alias("key"),
        pl.lit(None, dtype=pl.Utf8).alias("same_as"),
        pl.col("name_key").str.replace_many(codes).alias("name_jamo"),
        pl.coalesce("addr_sido", "sido_given").alias("sido_code"),
        (pl.col("name_key").is_not_null() | pl.col("addr_key").is_not_null()).alias("identifiable"),
    ).drop("sido_given", "addr_sido")
