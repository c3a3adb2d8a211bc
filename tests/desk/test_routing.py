"""Address parsing and routing: the forms addresses come in, and the jurisdiction tables."""

from __future__ import annotations

from collections import Counter

import pytest

from ilteo.desk.routing import Address, offices, parse_address, route, sigungu_table
from ilteo.desk.taxonomy import CATEGORIES
from ilteo.lake.codes import SIDO, SIDO_NAMES


@pytest.mark.parametrize(
    ("text", "sido", "sigungu", "name"),
    [
        ("서울특별시 강남구 테헤란로 1", "11", "11680", "강남구"),
        ("서울시 강남구 역삼동 100-1", "11", "11680", "강남구"),
        ("서울 강남구", "11", "11680", "강남구"),
        ("서울강남구테헤란로1", "11", "11680", "강남구"),
        ("  서울   중구  을지로 1 ", "11", "11140", "중구"),
        ("강남구 역삼동에 있는 회사에서 일했어요", "11", "11680", "강남구"),
        ("경기도 수원시 영통구 봉황로 16", "41", "41117", "수원시 영통구"),
        ("경기도수원시영통구 봉황로 16", "41", "41117", "수원시 영통구"),
        ("수원 영통구 매탄동", "41", "41117", "수원시 영통구"),
        ("경기 성남시 분당구 판교역로 2", "41", "41135", "성남시 분당구"),
        ("경기 광주시 오포읍", "41", "41610", "광주시"),
        ("광주 북구 첨단과기로 1", "29", "29170", "북구"),
        ("광주광역시 광산구", "29", "29200", "광산구"),
        ("부산 중구 중앙대로 1", "26", "26110", "중구"),
        ("대구 남구", "27", "27200", "남구"),
        ("포항시 남구 대잠동", "47", "47111", "포항시 남구"),
        ("인천 남구 주안동", "28", "28177", "미추홀구"),
        ("세종", "36", "36110", "세종특별자치시"),
        ("세종시 한누리대로 2130", "36", "36110", "세종특별자치시"),
        ("세종 한누리대로 2130", "36", "36110", "세종특별자치시"),
        ("세종 가정동 731-6", "36", "36110", "세종특별자치시"),
        ("제주특별자치도 서귀포시 중문관광로 1", "50", "50130", "서귀포시"),
        ("제주시 연동", "50", "50110", "제주시"),
        ("강원도 원주시 단계동", "51", "51130", "원주시"),
        ("전라북도 전주시 완산구", "52", "52111", "전주시 완산구"),
        ("전북 익산", "52", "52140", "익산시"),
        ("충남 예산군 예산읍", "44", "44810", "예산군"),
        ("경남 창원시 마산합포구", "48", "48125", "창원시 마산합포구"),
        ("강원 고성군 토성면", "51", "51820", "고성군"),
        ("경남 고성군", "48", "48820", "고성군"),
        ("대구 군위군", "27", "27720", "군위군"),
    ],
)
def test_parse_address_forms(text: str, sido: str, sigungu: str, name: str) -> None:
    assert parse_address(text) == Address(sido, SIDO_NAMES[sido], sigungu, name)


@pytest.mark.parametrize(
    ("text", "sido"),
    [("제주", "50"), ("부산에서 일하는데", "26"), ("대전에서 일해요", "30"),
     ("서울의 한 식당", "11"), ("울산", "31")],
)  # fmt: skip
def test_sido_only_leaves_sigungu_unknown(text: str, sido: str) -> None:
    assert parse_address(text) == Address(sido, SIDO_NAMES[sido], None, None)


@pytest.mark.parametrize(
    "text",
    ["중구 을지로 100", "남구 어딘가", "강서구 화곡동", "고성군", "중구 세종대로 110", "", "   ",
     "😀😀", "경기가 안 좋아서 월급이 밀렸어요", "사장이 대전을 치르듯 소리쳤다", "테헤란로 1"],
)  # fmt: skip
def test_ambiguous_or_absent_gives_none(text: str) -> None:
    assert parse_address(text) is None


def test_markup_is_just_text() -> None:
    assert parse_address("<script>alert(1)</script><b>서울 강남구</b>") == parse_address(
        "서울 강남구"
    )


def test_names_without_a_verified_code_still_route() -> None:
    address = parse_address("인천 서구 검단구 어딘가")
    assert address == Address("28", "인천광역시", "28260", "서구")
    new = parse_address("인천광역시 검단구")
    assert new is not None
    assert new.sigungu is None
    assert new.sigungu_name == "검단구"
    assert route("wage_arrears", new).office_code == "moel-incheon-north"


def test_the_sido_with_its_own_sigungu_wins() -> None:
    text = "저는 부산에 살고 회사는 서울 강남구 테헤란로에 있어요"
    assert parse_address(text) == parse_address("서울 강남구")
    moved = "대전에서 왔고 회사는 강남구에 있어요"  # a 시군구 of one 시도 only beats a bare 시도
    assert parse_address(moved) == parse_address("서울 강남구")
    assert parse_address("대전에서 왔고 회사는 중구에 있어요") == parse_address("대전 중구")


def test_shared_gu_needs_the_sido() -> None:
    assert parse_address("중구") is None
    seoul, busan = parse_address("서울 중구"), parse_address("부산광역시 중구")
    assert seoul is not None
    assert busan is not None
    assert (seoul.sigungu, busan.sigungu) == ("11140", "26110")


def test_long_text_is_read_up_to_a_limit() -> None:
    assert parse_address("서울 강남구 " + "임금을 못 받았습니다. " * 100_000) == parse_address(
        "서울 강남구"
    )
    assert parse_address("임금을 못 받았습니다. " * 100_000 + "서울 강남구") is None


# ---- tables ---------------------------------------------------------------------------------


def _cities() -> set[tuple[str, str]]:
    return {(sido, name) for sido, rows in sigungu_table().items() for _, name in rows}


def test_sigungu_table_covers_every_sido_with_valid_codes() -> None:
    table = sigungu_table()
    assert set(table) == {s.code for s in SIDO}
    codes = [code for rows in table.values() for code, _ in rows if code]
    assert len(codes) == len(set(codes))
    for sido, rows in table.items():
        for code, _ in rows:
            assert code is None or (len(code) == 5 and code.startswith(sido))
    assert sum(len(rows) for rows in table.values()) >= 229  # 226 시군구 + 세종 + 제주 2


@pytest.mark.parametrize("org", ["labour_office", "job_centre"])
def test_every_sigungu_has_exactly_one_office(org: str) -> None:
    cities = _cities()
    hits: Counter[tuple[str, str]] = Counter()
    for office in offices()[org]:
        for sido, name in office.areas:
            assert name == "*" or (sido, name) in cities, f"{office.name_ko}: unknown {sido} {name}"
            covered = [c for c in cities if c[0] == sido] if name == "*" else [(sido, name)]
            hits.update(covered)
    gaps = sorted(cities - set(hits))
    overlaps = sorted(c for c, n in hits.items() if n > 1)
    assert not gaps, f"no {org} for {gaps}"
    assert not overlaps, f"several {org}s for {overlaps}"


@pytest.mark.parametrize("org", ["comwel", "labour_commission"])
def test_every_sido_has_exactly_one_office(org: str) -> None:
    sidos = Counter(s for o in offices()[org] for s, _ in o.areas)
    assert set(sidos) == {s.code for s in SIDO}
    assert set(sidos.values()) == {1}


def test_office_table_shape() -> None:
    labour = offices()["labour_office"]
    assert 45 <= len(labour) <= 52
    codes = [o.code for org in offices().values() for o in org]
    assert len(codes) == len(set(codes))
    heads = {o.parent for o in labour}
    assert heads == {o.code for o in labour if o.code == o.parent}
    assert len(heads) == 7  # 서울, 중부, 경기, 부산, 대구, 광주, 대전
    assert len(offices()["labour_commission"]) == 13
    assert all(o.name_ko.endswith("고용센터") for o in offices()["job_centre"])


# ---- routing --------------------------------------------------------------------------------

_ADDRESSES = [
    "서울 강남구", "부산 해운대구", "대구 달서구", "인천 부평구", "광주 광산구", "대전 유성구",
    "울산 남구", "세종", "경기 수원시 영통구", "충북 청주시 흥덕구", "충남 천안시 서북구",
    "전남 여수시", "경북 구미시", "경남 김해시", "제주 제주시", "강원 춘천시", "전북 군산시",
    "경기 부천시", "강원 철원군", "경기 가평군",
]  # fmt: skip


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_routes_to_its_organisation(category: str) -> None:
    org = CATEGORIES[category].organisation
    valid = {o.code for o in offices().get(org, ())}
    for text in _ADDRESSES:
        address = parse_address(text)
        assert address is not None, text
        r = route(category, address)
        assert r.organisation == org
        if org == "ministry":
            assert r.office_code == "moel-hq"
        else:
            assert r.office_code in valid, (category, text, r)
        assert CATEGORIES[category].label_ko in r.reason_ko
        assert r.office_name in r.reason_ko


def test_reason_in_plain_words() -> None:
    r = route("wage_arrears", parse_address("서울 강남구 테헤란로 1"))
    assert r.office_name == "서울강남지청"
    assert r.reason_ko == "임금체불 → 사업장 소재지(서울 강남구) 관할 서울강남지청 근로감독과"


@pytest.mark.parametrize(
    ("category", "text", "office"),
    [
        ("wage_arrears", "경기 부천시 원미구", "moel-bucheon"),
        ("wage_arrears", "경기 가평군", "moel-gangwon"),
        ("wage_arrears", "강원 철원군", "moel-uijeongbu"),
        ("safety_hazard", "경기도 화성시 동탄구", "moel-gyeonggi"),
        ("unfair_dismissal", "대구 달서구", "lrc-gyeongbuk"),
        ("unfair_dismissal", "세종", "lrc-chungnam"),
        ("unfair_dismissal", "광주 북구", "lrc-jeonnam"),
        ("industrial_accident_comp", "울산 울주군", "comwel-ulsan"),
        ("unemployment_benefit", "서울 강서구", "jc-seoul-south-2"),
        ("wage_arrears", "울산 동구", "moel-ulsan-east"),
        ("wage_arrears", "울산광역시 울주군", "moel-ulsan"),
        ("wage_arrears", "경북 칠곡군", "moel-daegu-west"),
        ("wage_arrears", "충남 태안군", "moel-seosan"),
        ("wage_arrears", "전남 구례군", "moel-gwangju"),
        ("wage_arrears", "경기도 광주시 경안로 1", "moel-seongnam"),
        ("wage_arrears", "제주특별자치도 서귀포시", "moel-jeju"),
    ],
)
def test_known_routes(category: str, text: str, office: str) -> None:
    assert route(category, parse_address(text)).office_code == office


def test_no_address_goes_to_the_national_window() -> None:
    r = route("wage_arrears", None)
    assert r.office_code == "moel-hq"
    assert "주소가 없어" in r.reason_ko
    assert "본부 민원실" in r.reason_ko
    assert route("unfair_dismissal", None).office_code == "nlrc"
    assert route("industrial_accident_comp", None).office_code == "comwel-hq"


def test_sido_without_sigungu_goes_to_the_regional_office() -> None:
    r = route("wage_arrears", parse_address("부산에서 일하는데 월급을 못 받았어요"))
    assert r.office_code == "moel-busan"
    assert "시군구를 알 수 없어" in r.reason_ko
    assert route("unemployment_benefit", parse_address("대전에서")).office_code.startswith("jc-")


def test_unknown_category_is_other() -> None:
    assert route("no_such_code", None).organisation == "ministry"


@pytest.mark.parametrize("sido_form", ["sido_name", "sido_short"])
def test_synthetic_addresses_parse(sido_form: str) -> None:
    """The synthetic country's road and lot addresses (ilteo.synth) parse to their 시군구."""
    import numpy as np

    from ilteo.synth._lexicon import load_lexicon
    from ilteo.synth._people import address_parts, jibun_address, road_address

    lex = load_lexicon()
    rng = np.random.default_rng(10)
    parts = address_parts(rng, rng.integers(len(lex.sido_code), size=400), lex)
    frame = parts.select(
        road_address(sido_form).alias("road"),
        jibun_address(sido_form).alias("lot"),
        "sido_code",
        "sigungu",
    )
    for road, lot, sido, sigungu in frame.rows():
        for text in (road, lot):
            got = parse_address(text)
            assert got is not None, text
            assert got.sido == sido, text
            assert sigungu == "" or got.sigungu_name == sigungu, text
