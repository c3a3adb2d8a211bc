"""Hangul for linkage: jamo decomposition, romanisation, romanised names and similarity."""

from __future__ import annotations

import random

import duckdb
import pytest

from ilteo.lake.hangul import (
    compose,
    decompose,
    is_latin_name,
    jamo,
    jamo_code,
    jamo_similarity,
    jaro_winkler,
    latin_name_readings,
    latin_surname_candidates,
    romanize,
    split_name,
    syllable_table,
)


def test_every_syllable_decomposes_and_composes_back() -> None:
    table = syllable_table()
    assert len(table) == 11172
    for ch in table:
        assert compose(*decompose(ch)) == ch


def test_jamo_code_has_one_ascii_letter_per_jamo() -> None:
    for ch, (letters, code, _rr) in syllable_table().items():
        assert code.isascii(), ch
        assert code.isalpha(), ch
        assert len(code) == len(letters)
    # Different syllables never share a code (the code is a faithful spelling).
    codes = [v[1] for v in syllable_table().values()]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    ("hangul", "roman"),
    [
        ("한글", "hangeul"),
        ("서울", "seoul"),
        ("부산", "busan"),
        ("김치", "gimchi"),
        ("독도", "dokdo"),
        ("최", "choe"),
        ("괜찮", "gwaenchan"),
        ("의사", "uisa"),
    ],
)
def test_revised_romanization_by_syllable(hangul: str, roman: str) -> None:
    assert romanize(hangul) == roman


def test_name_parts_and_compound_surnames() -> None:
    assert split_name("김 민 준") == ("김", "민준")
    assert split_name("황보관") == ("황보", "관")
    assert split_name("선우") == ("선", "우")


@pytest.mark.parametrize(
    ("name", "reading"),
    [
        ("HONG Gildong", ("홍", "gildong")),
        ("Gildong Hong", ("홍", "gildong")),
        ("HONG GIL DONG", ("홍", "gildong")),
        ("Hong Gildong", ("홍", "gildong")),
        ("Minjun Kim", ("김", "minjun")),
        ("LEE Seo-yeon", ("이", "seoyeon")),
        ("Choe Jiu", ("최", "jiu")),
    ],
)
def test_romanised_names_are_read_back(name: str, reading: tuple[str, str]) -> None:
    assert is_latin_name(name)
    assert latin_name_readings(name)[0] == reading


def test_romanised_and_hangul_names_meet_in_romanised_space() -> None:
    surname, given = latin_name_readings("PARK JI MIN")[0]
    assert romanize(surname) + given == romanize("박지민")
    assert latin_surname_candidates("Rhee") == ("이",)
    assert {"유", "류"} <= set(latin_surname_candidates("Yu"))


def test_jaro_winkler_agrees_with_duckdb_on_random_strings() -> None:
    rng = random.Random(7)  # noqa: S311 - reproducible test strings, not secrets
    con = duckdb.connect()
    for _ in range(300):
        a = "".join(rng.choice("gImnAsOR") for _ in range(rng.randint(1, 10)))
        b = "".join(rng.choice("gImnAsOR") for _ in range(rng.randint(1, 10)))
        expected = con.execute("SELECT jaro_winkler_similarity(?, ?)", [a, b]).fetchone()
        assert expected is not None
        assert jaro_winkler(a, b) == pytest.approx(expected[0], abs=1e-9), (a, b)


def test_one_jamo_typo_stays_close_and_another_name_does_not() -> None:
    typo = jamo_similarity("이서연", "이서욘")
    other = jamo_similarity("이서연", "이민호")
    assert typo > 0.92 > other
    assert jamo("닭") == "ㄷㅏㄹㄱ"
    assert jamo_code("a김") == jamo_code("김")
