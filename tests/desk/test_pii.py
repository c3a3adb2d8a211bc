"""Personal data masking: every kind in the formats people type, what must stay, bad input.

Fixtures follow the fake-data rule: resident numbers with impossible dates (month 13), phone
numbers 010-0000-xxxx, example.com addresses, made-up names.
"""

from __future__ import annotations

import pytest

from ilteo.desk.pii import KINDS, TOKENS, Masked, mask


def kinds(masked: Masked) -> list[str]:
    return [span.kind for span in masked.spans]


def assert_offsets(text: str, masked: Masked) -> None:
    """The spans point into the original text and rebuilding from them gives the masked text."""
    rebuilt, cursor = [], 0
    for span in masked.spans:
        assert 0 <= cursor <= span.start < span.end <= len(text)
        rebuilt += [text[cursor : span.start], TOKENS[span.kind]]
        cursor = span.end
    assert "".join([*rebuilt, text[cursor:]]) == masked.text


@pytest.mark.parametrize(
    ("found", "kind"),
    [
        ("901301-1234567", "rrn"),
        ("9013011234567", "rrn"),
        ("901301 - 2234567", "rrn"),
        ("901301 3234567", "rrn"),
        ("001399-4234567", "rrn"),
        ("901301-1******", "rrn"),
        ("901301-5234567", "foreign_rrn"),
        ("9013016234567", "foreign_rrn"),
        ("010-0000-1234", "phone"),
        ("010.0000.1234", "phone"),
        ("010 0000 1234", "phone"),
        ("01000001234", "phone"),
        ("011-000-1234", "phone"),
        ("+82 10-0000-1234", "phone"),
        ("+82-10-0000-1234", "phone"),
        ("+82(0)10 0000 1234", "phone"),
        ("02-000-1234", "phone"),
        ("(02) 0000-1234", "phone"),
        ("031-000-1234", "phone"),
        ("064)000-1234".replace(")", "-"), "phone"),
        ("070-0000-1234", "phone"),
        ("1588-0000", "phone"),
        ("1544 0000", "phone"),
        ("0000-0000-0000-0000", "card"),
        ("0000 0000 0000 0000", "card"),
        ("0000000000000000", "card"),
        ("hong.gildong@example.com", "email"),
        ("a_b+tag@mail.example.co.kr", "email"),
    ],
)
def test_each_kind_is_masked_in_context(found: str, kind: str) -> None:
    text = f"제 정보는 {found} 입니다."
    masked = mask(text)
    assert kinds(masked) == [kind]
    assert masked.text == f"제 정보는 {TOKENS[kind]} 입니다."
    span = masked.spans[0]
    assert text[span.start : span.end] == found
    assert masked.counts == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "국민은행 123456-01-234567 으로 보내 주세요",
        "계좌번호: 110-000-000000 (신한)",
        "농협 302-0000-0000-11 예금주 홍길동",
        "월급 받는 통장 1002 000 000000 입니다",
        "입금 계좌 3333000000000",
        "받을 계좌는 새마을금고 9002-0000-1234-5 이고요",
    ],
)
def test_account_numbers_near_a_bank_word_are_masked(text: str) -> None:
    masked = mask(text)
    assert kinds(masked) == ["account"]
    assert "[계좌번호]" in masked.text
    assert_offsets(text, masked)


@pytest.mark.parametrize(
    "text",
    [
        "2,500,000원을 2024-01-15에 받기로 했습니다",
        "2024.01.15 부터 2024. 3. 31. 까지 일했습니다",
        "계약일 20240115, 시급 10,030원",
        "사업자등록번호 123-45-67890 인 회사에 계좌 이체로 받았습니다",
        "직원 30명, 3개월, 1350 고객상담센터",
        "주 52시간, 2023년 3월부터 월 2,060,740원",
        "근로계약서 제12조 3항, 2호 열차 10분 거리",
        "월급으로 200만원, 회사로 3번 찾아갔고 노동 3권 활동 2년",
        "참조 번호 20240115-0001",
    ],
)
def test_amounts_dates_and_counts_are_not_masked(text: str) -> None:
    masked = mask(text)
    assert masked.text == text, masked.spans
    assert masked.counts == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "서울특별시 강남구 테헤란로 123, 4층 사무실",
            "서울특별시 강남구 [주소] 사무실",
        ),
        (
            "경기도 수원시 팔달구 효원로1길 23-4 에 있는 공장",
            "경기도 수원시 팔달구 [주소] 에 있는 공장",
        ),
        ("부산광역시 해운대구 중앙로 12번길 5 현장", "부산광역시 해운대구 [주소] 현장"),
        ("서울 강남구 역삼동 123-45 번지", "서울 강남구 [주소]"),
        ("충청남도 예산군 덕산면 상리 12번지", "충청남도 예산군 덕산면 [주소]"),
        (
            "사업장 주소는 대구광역시 중구 동덕로 10, 101동 1203호",
            "사업장 주소는 대구광역시 중구 [주소]",
        ),
    ],
)
def test_addresses_keep_sido_and_sigungu_visible(text: str, expected: str) -> None:
    masked = mask(text)
    assert masked.text == expected
    assert kinds(masked) == ["address"]
    assert_offsets(text, masked)


def test_two_resident_numbers_on_one_line_are_both_masked() -> None:
    text = "본인 901301-1234567, 배우자 921399-2234567 입니다"
    masked = mask(text)
    assert masked.text == "본인 [주민등록번호], 배우자 [주민등록번호] 입니다"
    assert masked.counts == {"rrn": 2}
    assert_offsets(text, masked)


def test_phone_followed_by_a_word_starting_like_a_unit() -> None:
    text = "연락처 010-0000-7348 회사는 부산, 1588-0000 일요일 휴무"
    assert mask(text).text == "연락처 [전화번호] 회사는 부산, [전화번호] 일요일 휴무"


def test_phone_inside_a_url_is_masked_and_the_url_kept() -> None:
    text = "https://example.com/call/010-0000-1234?ref=a 참고"
    masked = mask(text)
    assert masked.text == "https://example.com/call/[전화번호]?ref=a 참고"


def test_numbers_inside_longer_digit_runs_are_left_alone() -> None:
    text = "주문번호 99010000001234567 와 일련번호 1234567890123456789"
    assert mask(text).text == text


def test_many_kinds_together_offsets_and_counts() -> None:
    text = (
        "홍길동(901301-1234567)입니다. 010-0000-1234 또는 hong@example.com 으로 연락 주세요. "
        "체불된 월급은 우리은행 1002-000-000000 으로, 회사는 서울특별시 중구 세종대로 1 입니다. "
        "카드 0000-0000-0000-0000 은 쓰지 않습니다."
    )
    masked = mask(text)
    assert masked.counts == {
        "rrn": 1, "phone": 1, "email": 1, "account": 1, "address": 1, "card": 1,
    }  # fmt: skip
    assert kinds(masked) == ["rrn", "phone", "email", "account", "address", "card"]
    assert_offsets(text, masked)
    assert "서울특별시 중구 [주소]" in masked.text


def test_masking_is_idempotent() -> None:
    text = (
        "901301-1234567 / 010-0000-1234 / a@example.com / 강남구 테헤란로 1 / 농협 302-0000-0000-11"
    )
    once = mask(text)
    twice = mask(once.text)
    assert twice.text == once.text
    assert twice.spans == ()
    assert set(once.counts) == {"rrn", "phone", "email", "address", "account"}


def test_empty_emoji_and_mixed_scripts_are_kept() -> None:
    assert mask("") == Masked("", (), {})
    emoji = "😀🙏🏽👨‍👩‍👧" * 50
    assert mask(emoji).text == emoji
    text = "急 help 😀 임금 未支付 010-0000-1234 🙏 e-mail: w@example.org"
    masked = mask(text)
    assert masked.text == "急 help 😀 임금 未支付 [전화번호] 🙏 e-mail: [이메일]"
    assert_offsets(text, masked)


def test_html_and_script_stay_text() -> None:
    text = '<script>alert("010-0000-1234")</script><img src=x onerror=alert(1)> 임금 문의'
    masked = mask(text)
    assert (
        masked.text == '<script>alert("[전화번호]")</script><img src=x onerror=alert(1)> 임금 문의'
    )


@pytest.mark.parametrize(
    "text",
    [
        ("서울특별시 강남구 테헤란로 123 에서 월급 200만원 못 받음. 010-0000-1234. " * 20_000)[
            :1_000_000
        ],
        "1" * 1_000_000,
        "12-" * 333_333,
        "@" * 1_000_000,
        ("a" * 63 + "@") * 15_000,
        "x@a." * 250_000,
        "로" * 1_000_000,
        "😀" * 250_000,
    ],
    ids=["narrative", "digits", "digit-groups", "at-signs", "local-parts", "dots", "ro", "emoji"],
)
def test_one_megabyte_finishes(text: str) -> None:
    masked = mask(text)  # patterns are bounded: linear time, no timed assertion needed
    assert len(masked.text) <= len(text) + 10 * len(masked.spans)
    assert sum(masked.counts.values()) == len(masked.spans)


def test_tokens_cover_every_kind() -> None:
    assert set(TOKENS) == set(KINDS) == {
        "rrn", "foreign_rrn", "phone", "account", "card", "email", "address",
    }  # fmt: skip
