"""Urgency flags: positive and negative phrasing per flag, negation, evidence from the text."""

from __future__ import annotations

import pytest

from ilteo.desk.pii import mask
from ilteo.desk.taxonomy import URGENT_FLAGS
from ilteo.desk.urgency import urgent_flags


def codes(text: str) -> list[str]:
    return [flag.code for flag in urgent_flags(text)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("월급도 못 받고 빚만 늘어서 죽고싶다", "self_harm_risk"),
        (
            "요즘은 다 끝내고 싶다는 생각만 듭니다. 체불 임금 신고 방법을 알려주세요.",
            "self_harm_risk",
        ),
        ("해고당한 뒤로 차라리 없어지는 게 낫겠다는 생각이 자꾸 들어요", "self_harm_risk"),
        ("그냥 죽었으면 싶어요. 회사에 가는 게 너무 무섭습니다.", "self_harm_risk"),
        ("옥상에서 뛰어내리고 싶은 마음까지 들었습니다", "self_harm_risk"),
        ("장해 판정 뒤로 삶을 포기하고 싶다는 생각뿐입니다", "self_harm_risk"),
        ("가족에게 짐만 되는 것 같아 차라리 내가 없는 게 낫겠어요", "self_harm_risk"),
        ("실직 후 살기 너무 힘들어요", "self_harm_risk"),
        ("지게차 브레이크가 고장 났는데 지금도 운행 중이에요", "imminent_danger"),
        ("The scaffold is shaking right now and we are still working on it.", "imminent_danger"),
        (
            "탱크 안 산소 농도를 아무도 재지 않았습니다. 지금도 두 명이 들어가 있습니다.",
            "imminent_danger",
        ),
        ("물류센터 알바 50명 넘게 시급을 덜 받고 있어요", "mass_wage_arrears"),
        ("지금 현장 비계가 흔들려서 곧 무너질 것 같아요. 작업을 계속 시킵니다.", "imminent_danger"),
        ("공장 안에서 가스 냄새가 계속 나는데 작업을 멈추지 않습니다", "imminent_danger"),
        ("안전난간도 없는 5층 높이에서 지금 작업 중입니다. 추락 위험이 큽니다.", "imminent_danger"),
        ("직원 30명이 석 달째 월급을 못 받았습니다", "mass_wage_arrears"),
        ("우리 현장 사람들 스무 명 넘게 두 달째 돈 못 받고 있어요", "mass_wage_arrears"),
        ("직원 전원이 임금을 받지 못하고 있습니다", "mass_wage_arrears"),
        ("수십 명이 노임을 떼였습니다", "mass_wage_arrears"),
        ("팀장한테 맞았어요. 얼굴에 멍이 들었습니다.", "violence"),
        ("사장이 저를 때린 적도 있습니다", "violence"),
        ("반장이 멱살을 잡고 벽으로 밀쳤습니다", "violence"),
        ("관리자가 흉기를 들고 위협했습니다", "violence"),
    ],
)
def test_flag_is_raised(text: str, code: str) -> None:
    flags = {flag.code: flag for flag in urgent_flags(text)}
    assert code in flags
    flag = flags[code]
    assert flag.evidence in text  # the evidence is a snippet of the given (masked) text
    assert 0 < flag.score <= 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("실업급여 신청 방법을 알고 싶습니다", "self_harm_risk"),
        ("육아휴직을 끝내고 복직하고 싶습니다", "self_harm_risk"),
        ("작년에 추락 사고가 있었는데 산재 신청이 가능한가요", "imminent_danger"),
        ("저만 유독 냉동창고 업무에 매일 배치됩니다", "imminent_danger"),
        ("직원 3명 월급이 밀렸어요", "mass_wage_arrears"),
        (
            "직원 35명 규모의 제조업체 인사 담당자입니다. 교육 지원금 문의입니다.",
            "mass_wage_arrears",
        ),
        ("호출이 오면 30분 안에 접속해야 합니다. 수당은 못 받습니다.", "mass_wage_arrears"),
        ("폭행은 없었지만 욕설이 매일 이어집니다", "violence"),
        ("계산이 맞았어요. 사장님 말이 맞고요.", "violence"),
        ("때리지는 않았지만 물건을 책상에 내리칩니다", "violence"),
        ("저에게 맞는 직업이 무엇인지 상담받고 싶습니다", "violence"),
        ("작업 중 추락 사고로 발목을 다쳤습니다. 산재 신청 방법 문의", "violence"),
        ("작업 중 추락 사고로 발목을 다쳤습니다. 산재 신청 방법 문의", "imminent_danger"),
        ("휴게실 에어컨이 고장 나서 지금 너무 덥습니다", "imminent_danger"),
        ("회사가 해고 사유서를 메일로 보냈습니다", "self_harm_risk"),
        ("택시 운전원 20명이 일하는 회사인데 월급 명세서를 안 줍니다", "mass_wage_arrears"),
    ],
)
def test_flag_is_not_raised(text: str, code: str) -> None:
    assert code not in codes(text)


def test_past_or_now_fine_self_harm_still_flagged_with_lower_score() -> None:
    past = urgent_flags("예전에 죽고 싶었는데 지금은 괜찮습니다. 실업급여 문의드립니다.")
    present = urgent_flags("요즘 죽고 싶습니다. 실업급여 문의드립니다.")
    assert [f.code for f in past] == [f.code for f in present] == ["self_harm_risk"]
    assert past[0].score < present[0].score


def test_flags_on_masked_text_keep_masked_evidence() -> None:
    masked = mask(
        "직원 40명 월급이 밀렸습니다. 대표 010-0000-1234 연락 두절, 팀장한테 맞기도 했어요."
    )
    flags = urgent_flags(masked.text)
    assert [f.code for f in flags] == ["mass_wage_arrears", "violence"]
    assert all("010-0000" not in f.evidence for f in flags)


def test_several_flags_in_taxonomy_order_one_per_code() -> None:
    text = (
        "사장에게 맞았습니다. 다시 폭행당했습니다. 직원 50명이 임금을 못 받았고, "
        "지금 공장에서 가스 냄새가 납니다. 정말 죽고 싶어요."
    )
    flags = urgent_flags(text)
    assert [f.code for f in flags] == list(URGENT_FLAGS)


@pytest.mark.parametrize(
    "text", ["", "😀" * 500, "<script>alert('x')</script>", "가나다. " * 200_000]
)
def test_bad_input_gives_no_flags(text: str) -> None:
    assert urgent_flags(text) == []


def test_self_harm_at_the_end_of_a_huge_text_is_found() -> None:
    text = "임금 문의입니다. " * 100_000 + "사실은 죽고 싶습니다."
    flags = urgent_flags(text)
    assert [f.code for f in flags] == ["self_harm_risk"]
    assert "죽고 싶" in flags[0].evidence


def test_many_workers_unpaid_when_the_wage_is_named_in_the_sentence_before() -> None:
    text = "사장님이 석 달째 월급을 안 줘요. 직원 20명 다 못 받았어요. 회사는 부산에 있어요."
    assert [f.code for f in urgent_flags(text)] == ["mass_wage_arrears"]
