"""Urgency flags of a (masked) request: the signals that put it at the top and alert a supervisor.

:func:`urgent_flags` looks, sentence by sentence, for four signals (codes of
:data:`ilteo.desk.taxonomy.URGENT_FLAGS`):

- ``self_harm_risk``: wanting to die, disappear, end everything. Recall comes first: a missed
  signal costs more than a false alarm, so past or "now fine" phrasing ("예전에 죽고 싶었는데
  지금은 괜찮") still raises the flag, with a lower score, and negation never removes it.
- ``imminent_danger``: a hazard (fall, collapse, gas, fire, electrocution...) together with a
  sign that it is happening now (지금, 당장, 곧, 계속...), or a hazard urgent by itself (가스 냄새,
  곧 무너질).
- ``mass_wage_arrears``: unpaid wages and many workers (a head count of ten or more, 직원 전원,
  수십 명, 집단...).
- ``violence``: being hit, assaulted, grabbed, threatened with a weapon. A plainly negated mention
  ("폭행은 없었지만") does not raise it.

Surface patterns find the phrases; Kiwi lemmas (``때리다``, ``폭행``, ``죽다 + 싶다``) catch the
inflected forms patterns miss. The evidence is the matched snippet of the masked text, never the
clear text. See ``docs/desk-pii.md`` for the measured precision and recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

__all__ = ["Flag", "urgent_flags"]

#: Longest text read sentence by sentence (characters); beyond it only the self-harm phrases are
#: searched (one linear pass), so 1 MB pastes stay cheap without missing a cry for help.
MAX_CHARS: Final = 20_000


@dataclass(frozen=True, slots=True)
class Flag:
    """One urgency flag: its code, the snippet that raised it and a score in ``(0, 1]``."""

    code: str
    evidence: str
    score: float


def _phrases(*items: str) -> re.Pattern[str]:
    """One pattern for many phrases; a space inside a phrase is optional ("죽고싶다" too).

    >>> bool(_phrases("죽고 싶").search("죽고싶다"))
    True
    """
    return re.compile("|".join(item.replace(" ", "[ ]?") for item in items))


_SELF_HARM = _phrases(
    "죽고 싶", "죽고 만 싶", "죽어 버리", "죽을 것 같", "죽는 게 낫", "자살", "자해", "극단적 선택",
    "목숨을 끊", "목숨 끊", "스스로 생을", "생을 마감", "삶을 끝", "살기가? 싫", "살고 싶지 않",
    "사라지고 싶", "없어지고 싶", "끝내고 싶", "끝내버리고", "뛰어내리", "투신", "(?<!사)유서",
    "손목을 긋", "살(?:아야 할|아 있을|아 갈)? 이유", "버틸 힘이 없", "세상을 떠나고", "살 바에",
    "(?:없어지|사라지|없는)(?:는 게|는 것이|면 다| 게 낫)",
    "살아 (?:서|있는 게|있는 것이?) (?:뭐|무슨|의미)", "차라리 (?:죽|없어|사라|내가)",
    "살아 갈 자신이 없", "필요 없는 사람", "극단적인? (?:선택|생각)",
    "(?:다|모든 걸|모두) 놓고 싶", "짐만 되", "사는 (?:게|것이) 의미",
    "(?:삶|인생|모든 것|모든 걸|다)을? 포기하고 싶", "삶을 포기",
)  # fmt: skip
#: Weaker cues (despair that may or may not mean self-harm): flagged too, recall first, lower score.
_SELF_HARM_WEAK = _phrases(
    "살기 (?:너무 |정말 )?힘들", "(?:다|아무) 의미가 없", "못 버티겠", "더는 못 버티",
    "다 그만두고 싶", "(?:살|사는 게) 지옥",
)  # fmt: skip
#: "예전에 ... 지금은 괜찮": still flagged (recall first) but with a lower score.
_PAST_SAFE = _phrases(
    "예전에", "과거에", "옛날에", "한때", "지금은 괜찮", "이제는 괜찮", "지금은 아니"
)

_HAZARD = _phrases(
    "추락", "떨어질", "떨어지", "붕괴", "무너지", "무너질", "무너져", "가스 냄새", "가스가 새",
    "가스 누출", "누출", "화재", "불이 나", "불이 붙", "폭발", "감전", "끼임", "끼일", "깔릴",
    "깔려",
    "질식", "산소 결핍", "유독 (?:가스|물질)", "유해 가스", "안전 난간", "안전 고리", "안전대",
    "안전망", "비계", "크레인", "밀폐 공간", "맨홀", "타워", "흔들리", "금이 가", "균열", "연기",
    "스파크", "누전", "위험 물질", "화학 물질", "쓰러질", "안전 장치 (?:없|미설치|해제|제거)",
    "보호구 (?:없|미지급)", "사고가? 날", "다칠 (?:뻔|것|수)", "죽을 뻔", "위험한 작업", "터질",
    "터지", "기울어", "기울고", "밀폐", "산소 농도", "탱크 안", "scaffold", "collaps", "gas leak",
    "fire", "explos", "shaking", "brake",
    "(?:브레이크|제동 장치|기계|설비|장비|센서|방호 장치|인터록)[가이]? 고장",
)  # fmt: skip
#: "Now": the hazard is happening or about to. Ongoing-only words (계속, 매일) do not count: a
#: chronic hazard is a safety_hazard request, not an alarm.
_NOW = _phrases(
    "지금", "당장", "현재", "곧", "금방", "오늘", "방금", "일촉즉발", "직전", "긴급", "급합니다",
    "급해", "빨리", "언제 사고", "사고 날", "죽을 수도", "다칠 것", "위험한 상태", "즉시",
    "(?:작업|가동|진행|공사|사용|운행|운전) 중(?:입|이|인|$)", "들어가 있", "right now", "now",
    "immediately", "urgent",
)  # fmt: skip
_URGENT_BY_ITSELF = _phrases(
    "가스 냄새", "가스가 새", "곧 무너", "무너지기 직전", "붕괴 직전", "붕괴 위험", "추락 위험",
    "폭발 위험", "질식 위험", "감전 위험", "불이 났", "화재가 발생", "가스 누출", "누출되고",
)  # fmt: skip
_WORK = _phrases(
    "현장", "공사", "작업", "공장", "회사", "사업장", "건물", "창고", "물류", "공정", "설비",
    "기계", "근무", "일하", "맨홀", "비계", "크레인", "탱크", "라인", "지게차", "장비", "운행",
    "work", "site", "forklift",
)  # fmt: skip

_WAGES = _phrases(
    "임금", "시급", "알바비", "월급", "급여", "노임", "일당", "수당", "체불", "돈", "퇴직금",
    "인건비", "체당금", "대지급금",
)  # fmt: skip
#: Not paid: both a wage word and this, in the sentence that counts the workers (or the next).
_UNPAID = _phrases(
    "체불", "못 받", "받지 못", "밀리", "밀림", "밀렸", "밀려", "안 나오", "안 나와",
    "지급(?:되지|하지|을 안)", "끊겼", "끊긴", "안 주", "안 줘", "안 준", "못 주", "주지 않",
    "못 줬", "못 준", "미달", "미지급", "덜 받", "적게 주", "(?<![0-9,])0원", "한 푼도", "차액",
    "대지급금", "체당금", "떼였", "떼먹",
)  # fmt: skip
#: Many workers: a head count (checked against ``_MANY_MIN``) or words that mean many.
_MANY = _phrases(
    "(?P<n>[0-9]{1,5}) 여? (?:명|인(?!분|터|상|하|정|력|근))", "직원 전원", "(?<![가-힣])전 직원",
    "(?<![가-힣])전원",
    "모든 직원", "직원 모두", "직원들 모두", "근로자 전원", "수십 명", "수백 명", "수십 분",
    "백여 명", "열 명", "열댓", "스무 명", "스물", "서른", "마흔", "쉰 명", "집단", "단체로",
    "단체 신고", "공동 진정", "집단 진정", "집단 체불", "우리 팀 전부", "팀원 전부", "다 같이 못",
    "모두 못 받",
)  # fmt: skip
_MANY_MIN: Final = 10

_VIOLENCE = _phrases(
    "(?:한테|에게|께) (?:맞[았아은기]|맞고 있|얻어맞)", "폭행", "폭력", "때리", "때렸", "때려",
    "때린", "맞았", "맞아서", "맞고", "얻어맞", "멱살", "주먹", "발로 차", "걷어차", "뺨", "따귀",
    "밀쳐", "밀치", "밀쳤", "비틀었", "비틀어", "내리쳤", "내리쳐", "꼬집", "할퀴",
    "던졌", "던지", "흉기", "칼을", "칼로", "위협", "목을 조", "머리채", "구타", "손찌검",
    "몸싸움",
)  # fmt: skip
#: A violence word followed closely by its denial: "폭행은 없었지만", "때리지는 않았".
_DENIED = re.compile(
    "^(?:[은는이가을를도]?[ ]?(?:없었|없습|없어|없고|없지|아니|않았|않습|않고|안[ ]?했|"
    "당하지[ ]?않|지는[ ]?않)|(?:지는|진|지)[ ]?않)"
)
#: 맞다 "be right", 다쳤 and 위협 in other senses are frequent: these need a bodily context.
_WEAK_VIOLENCE = frozenset(
    {"맞았", "맞아서", "맞고", "던지", "던졌", "위협", "밀치", "주먹", "비틀었", "비틀어",
     "내리쳤", "내리쳐", "꼬집", "할퀴"}
)  # fmt: skip
_VIOLENCE_CONTEXT = _phrases(
    "주먹", "뺨", "얼굴", "머리", "몸을", "몸에", "발로", "몽둥이", "때리", "폭행", "폭력", "경찰",
    "응급실", "멍이", "피가", "코피", "흉기", "칼", "어깨", "팔을", "손등", "손을", "다리", "목을",
    "배를", "등을", "공구", "제 몸",
)  # fmt: skip

_SENTENCE = re.compile(r"[^.!?\n。]{1,400}[.!?\n。]?")
_NUMERALS_KO = {"열": 10, "스무": 20, "스물": 20, "서른": 30, "마흔": 40, "쉰": 50}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _snippet(sentence: str, start: int, end: int, width: int = 30) -> str:
    left = max(0, start - width)
    right = min(len(sentence), end + width)
    return sentence[left:right].strip()


@cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi  # heavy: loaded on first use

    return Kiwi()


@lru_cache(maxsize=1024)
def _dying_wish(sentence: str) -> tuple[int, int] | None:
    """Where Kiwi reads 죽다 then, within three morphemes, 싶다 ("죽었으면 싶어요"); or None."""
    if "죽" not in sentence or "싶" not in sentence:
        return None  # nothing Kiwi could find: skip the analysis
    tokens = _kiwi().tokenize(sentence)
    for i, token in enumerate(tokens):
        if token.form == "죽" and token.tag.startswith("VV"):
            following = tokens[i + 1 : i + 4]
            if any(t.form == "싶" for t in following):
                return token.start, following[-1].start + following[-1].len
    return None


def _count_many(match: re.Match[str]) -> bool:
    number = match.group("n")
    if number is not None:
        return int(number) >= _MANY_MIN
    word = match.group(0)
    for numeral, value in _NUMERALS_KO.items():
        if word.startswith(numeral):
            return value >= _MANY_MIN
    return True


def _self_harm(sentence: str) -> Flag | None:
    match = _SELF_HARM.search(sentence)
    span = (match.start(), match.end()) if match else _dying_wish(sentence)
    score = 0.6 if _PAST_SAFE.search(sentence) else 0.95
    if span is None:
        weak = _SELF_HARM_WEAK.search(sentence)
        if weak is None:
            return None
        span, score = (weak.start(), weak.end()), 0.5
    return Flag("self_harm_risk", _snippet(sentence, *span), score)


def _danger(sentence: str, around: str, text: str) -> Flag | None:
    """A hazard in ``sentence``, "now" in it or its neighbours (``around``), work in the text."""
    by_itself = _URGENT_BY_ITSELF.search(sentence)
    hazard = by_itself or _HAZARD.search(sentence)
    if hazard is None:
        return None
    now = _NOW.search(sentence)
    if by_itself is None and now is None and not _NOW.search(around):
        return None
    if by_itself is None and not _WORK.search(text):
        return None
    score = 0.9 if by_itself and now else 0.75
    start = min(hazard.start(), now.start()) if now else hazard.start()
    end = max(hazard.end(), now.end()) if now else hazard.end()
    return Flag("imminent_danger", _snippet(sentence, start, end, 15), score)


def _mass_arrears(sentence: str, around: str) -> Flag | None:
    many = next((m for m in _MANY.finditer(sentence) if _count_many(m)), None)
    if many is None:
        return None
    if _WAGES.search(sentence) and _UNPAID.search(sentence):
        score = 0.9
    elif _WAGES.search(sentence + " " + around) and _UNPAID.search(sentence + " " + around):
        score = 0.7
    else:
        return None
    return Flag("mass_wage_arrears", _snippet(sentence, many.start(), many.end()), score)


def _violence(sentence: str) -> Flag | None:
    for match in _VIOLENCE.finditer(sentence):
        if _DENIED.search(sentence[match.end() : match.end() + 12]):
            continue
        weak = match.group(0) in _WEAK_VIOLENCE
        if weak and not _VIOLENCE_CONTEXT.search(sentence.replace(match.group(0), " ", 1)):
            continue
        evidence = _snippet(sentence, match.start(), match.end())
        return Flag("violence", evidence, 0.6 if weak else 0.9)
    return None


def urgent_flags(text: str) -> list[Flag]:
    """The urgency flags of a masked request text, at most one per code (the strongest).

    Args:
        text: The request text, already masked (:func:`ilteo.desk.pii.mask`): the evidence
            snippets are copied from it.

    Returns:
        Flags in the order of :data:`ilteo.desk.taxonomy.URGENT_FLAGS`; empty when none applies.

    >>> [f.code for f in urgent_flags("직원 30명이 석 달째 월급을 못 받았습니다.")]
    ['mass_wage_arrears']
    """
    best: dict[str, Flag] = {}
    rest = text[MAX_CHARS:]
    text = text[:MAX_CHARS]
    late = _SELF_HARM.search(rest) if rest else None
    if late is not None:  # recall first: a cry for help at the end of a huge paste still counts
        best["self_harm_risk"] = Flag(
            "self_harm_risk", rest[max(0, late.start() - 30) : late.end() + 30].strip(), 0.95
        )
    sentences = _sentences(text)
    for i, sentence in enumerate(sentences):
        previous = sentences[i - 1] if i > 0 else ""
        following = sentences[i + 1] if i + 1 < len(sentences) else ""
        for flag in (
            _self_harm(sentence),
            _danger(sentence, previous + " " + following, text),
            _mass_arrears(sentence, previous + " " + following),
            _violence(sentence),
        ):
            if flag is not None and (flag.code not in best or flag.score > best[flag.code].score):
                best[flag.code] = flag
    order = ("self_harm_risk", "imminent_danger", "mass_wage_arrears", "violence")
    return [best[code] for code in order if code in best]
