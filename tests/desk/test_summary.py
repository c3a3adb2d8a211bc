"""Extractive summary: sentences of the text, in its order, at most ``max_sentences``."""

from __future__ import annotations

import pytest

from ilteo.desk.summary import summarise

NARRATIVE = (
    "안녕하세요. "
    "저는 2025년 3월부터 (주)가나물류 평택센터에서 상하차 일을 했습니다. "
    "날씨가 많이 추웠습니다. "
    "마지막 두 달 치 월급 4,200,000원을 아직 받지 못했습니다. "
    "동료들도 비슷한 이야기를 합니다. "
    "점심은 보통 도시락을 먹었습니다. "
    "밀린 임금을 받으려면 어디에 어떻게 신고해야 하는지 알려주세요. "
    "감사합니다."
)


def test_picks_the_telling_sentences_in_text_order() -> None:
    summary = summarise(NARRATIVE)
    assert summary == [
        "저는 2025년 3월부터 (주)가나물류 평택센터에서 상하차 일을 했습니다.",
        "마지막 두 달 치 월급 4,200,000원을 아직 받지 못했습니다.",
        "밀린 임금을 받으려면 어디에 어떻게 신고해야 하는지 알려주세요.",
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_sentences_come_from_the_text_in_order(size: int) -> None:
    summary = summarise(NARRATIVE, max_sentences=size)
    assert len(summary) == size
    positions = [NARRATIVE.index(sentence) for sentence in summary]
    assert positions == sorted(positions)


def test_short_texts_return_themselves() -> None:
    assert summarise("직원 40명 월급 밀림 사장 잠적") == ["직원 40명 월급 밀림 사장 잠적"]
    assert summarise("월급을 못 받았어요. 어떻게 하나요?") == [
        "월급을 못 받았어요.",
        "어떻게 하나요?",
    ]


def test_sentences_without_full_stops_are_split_on_polite_endings() -> None:
    text = "석 달째 월급을 못 받았어요 사장은 연락이 안 돼요 어디에 신고하나요 애들 학원도 끊었어요"
    assert summarise(text, max_sentences=10) == [
        "석 달째 월급을 못 받았어요",
        "사장은 연락이 안 돼요",
        "어디에 신고하나요",
        "애들 학원도 끊었어요",
    ]


def test_words_ending_in_yo_do_not_split() -> None:
    text = "필요 서류와 중요 사항을 알려주세요 급합니다"
    assert summarise(text, max_sentences=10) == ["필요 서류와 중요 사항을 알려주세요", "급합니다"]


def test_decimal_points_and_amounts_do_not_split_sentences() -> None:
    assert summarise("3.3%를 떼고 2,500,000원을 받았습니다.") == [
        "3.3%를 떼고 2,500,000원을 받았습니다."
    ]


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_gives_nothing(text: str) -> None:
    assert summarise(text) == []


def test_bad_input_is_handled() -> None:
    assert summarise("😀" * 100) == ["😀" * 100]
    assert summarise("<script>alert(1)</script>") == ["<script>alert(1)</script>"]
    text = "Unpaid wages. 工资未付。 임금을 못 받았습니다. 필요 서류는요? 연락 주세요!"
    mixed = summarise(text)
    assert len(mixed) == 3
    assert all(sentence in text for sentence in mixed)
    huge = summarise("가나다라 " * 250_000)  # 1 MB without punctuation: cut, still bounded
    assert 1 <= len(huge) <= 3
    assert all(len(sentence) <= 500 for sentence in huge)
