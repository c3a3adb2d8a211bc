"""Standard keys: phones, 시도, addresses, birth dates, sex, names, workplace names."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ilteo.lake.standardise import (
    address_parts,
    birth_date_agreement,
    normalise_phone,
    normalise_sex,
    sido_code,
    standardise_person_records,
    standardise_workplace_records,
    workplace_name_key,
)


@pytest.mark.parametrize(
    "written",
    ["010-1234-5678", "01012345678", "+82 10-1234-5678", "+821012345678", "(010) 1234 5678",
     "0082-10-1234-5678", "010.1234.5678"],
)  # fmt: skip
def test_every_mobile_format_becomes_one_national_number(written: str) -> None:
    assert normalise_phone(written) == "01012345678"


@pytest.mark.parametrize("written", ["", "1234", "010-12", "전화없음", "+1 202 555 0100 99"])
def test_what_is_not_a_number_is_dropped(written: str) -> None:
    assert normalise_phone(written) is None


@pytest.mark.parametrize(
    ("written", "code"),
    [("서울", "11"), ("서울특별시", "11"), ("서울시", "11"), ("경기도", "41"), ("경기", "41"),
     ("강원도", "51"), ("강원특별자치도", "51"), ("42", "51"), ("전라북도", "52"), ("45", "52"),
     ("제주", "50"), ("세종특별자치시", "36"), ("부산광역시 해운대구 센텀로 1", "26")],
)  # fmt: skip
def test_sido_spellings_and_former_codes_map_to_todays_code(written: str, code: str) -> None:
    assert sido_code(written) == code


def test_unknown_sido_is_none_not_a_guess() -> None:
    assert sido_code("광주시 오포읍") is None  # 경기 광주시, not 광주광역시
    assert sido_code(None) is None


def test_road_and_lot_addresses_reduce_to_comparable_parts() -> None:
    road = address_parts("서울특별시 관악구 봉천로 12 101동 1203호")
    lot = address_parts("서울 관악구 봉천동 123-4")
    assert road == ("11", "관악구", "R:봉천로 12")
    assert lot == ("11", "관악구", "J:봉천동 123-4")
    assert road[:2] == lot[:2]  # the same district, whichever form
    assert address_parts("세종특별자치시 한누리대로 2130") == ("36", None, "R:한누리대로 2130")


@pytest.mark.parametrize(
    ("left", "right", "agreement"),
    [
        (date(1985, 3, 12), date(1985, 3, 12), "exact"),
        ("19851203", date(1985, 3, 12), "swap"),
        ("19850321", "19850312", "transposition"),
        ("19580312", "19850312", "transposition"),
        ("19850312", "19850313", "year"),
        ("19850312", "19860312", "other"),
        ("19850312", None, "missing"),
    ],
)
def test_birth_dates_tolerate_swaps_and_transpositions(
    left: date | str, right: date | str | None, agreement: str
) -> None:
    assert birth_date_agreement(left, right) == agreement
    assert birth_date_agreement(right, left) == agreement


def test_sex_from_every_system() -> None:
    assert [normalise_sex(v) for v in ["남", "여", "M", "f", "남성", "X"]] == [
        "M", "F", "M", "F", "M", None,
    ]  # fmt: skip


def test_company_names_lose_legal_form_site_and_spacing() -> None:
    for variant in [
        "(주)한빛정밀",
        "주식회사 한빛정밀",
        "㈜ 한빛 정밀",
        "한빛정밀 공장",
        "한빛정밀",
    ]:
        assert workplace_name_key(variant) == "한빛정밀", variant


def _people(**columns: list[object]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "source": ["s"] * n, "record_id": [str(i) for i in range(n)], "batch_id": ["b"] * n,
        "rrn_hash": [None] * n, "name": [None] * n, "birth_date": [None] * n, "sex": [None] * n,
        "phone": [None] * n, "address": [None] * n, "sido_code": [None] * n,
    }  # fmt: skip
    base |= columns
    return pl.DataFrame(base, schema_overrides={"birth_date": pl.Date})


def test_person_records_in_standard_columns() -> None:
    frame = _people(
        name=["홍 길동", "HONG Gildong", "익명", "홍길돋"],
        phone=["+82 10-1111-2222", None, None, "010-1111-2222"],
        sex=["남", "M", None, "남자"],
        address=["서울 관악구 봉천동 1-2", None, None, None],
        sido_code=[None, "경기", "서울", None],
    )
    out = standardise_person_records(frame).sort("record_id")
    assert out["rkey"].to_list() == ["s/0", "s/1", "s/2", "s/3"]
    assert out["name_hangul"].to_list() == ["홍길동", None, None, "홍길돋"]
    assert out["name_rr"].to_list()[:2] == ["honggildong", "honggildong"]
    assert out["phone"].to_list() == ["01011112222", None, None, "01011112222"]
    assert out["sex"].to_list() == ["M", "M", None, "M"]
    assert out["sido_code"].to_list() == ["11", "41", "11", None]
    assert out["identifiable"].to_list() == [True, True, False, True]  # 익명 names nobody
    jamo = out["name_jamo"].to_list()
    assert jamo[0] != jamo[3]
    assert jamo[0][:-1] == jamo[3][:-1]


def test_a_corrected_record_gets_a_new_fingerprint() -> None:
    first = standardise_person_records(_people(name=["홍길동"], phone=["010-1111-2222"]))
    fixed = standardise_person_records(_people(name=["홍길동"], phone=["010-1111-3333"]))
    same = standardise_person_records(_people(name=["홍길동"], phone=["010-1111-2222"]))
    assert first["fingerprint"][0] != fixed["fingerprint"][0]
    assert first["fingerprint"][0] == same["fingerprint"][0]


def test_workplace_keys_prefer_a_valid_brn_then_the_management_number() -> None:
    frame = pl.DataFrame(
        {
            "source": ["a", "b", "c", "d"],
            "record_id": ["1", "2", "3", "4"],
            "batch_id": ["x"] * 4,
            "brn": ["123-45-67891", None, "1234567890", None],
            "workplace_no": [None, "12345678910", "99999999990", None],
            "workplace_name": ["(주)한빛정밀", None, None, "한빛 정밀"],
            "workplace_address": [None, None, None, "경기 화성시 시청대로 139"],
            "sido_code": ["41", None, None, None],
            "ksic_code": [None] * 4,
        }
    )
    out = standardise_workplace_records(frame).sort("record_id")
    # A management number is the BRN and a branch digit; an invalid BRN is not a key.
    assert out["key"].to_list() == ["1234567891", "1234567891", "W:99999999990", None]
    assert out["name_key"].to_list() == ["한빛정밀", None, None, "한빛정밀"]
    assert out["identifiable"].to_list() == [True, False, False, True]
