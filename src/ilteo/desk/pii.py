"""Personal data in request text: find it and replace it with readable tokens before storing.

:func:`mask` finds resident registration numbers (``rrn``), foreign registration numbers
(``foreign_rrn``), phone numbers (``phone``), bank account numbers (``account``), card numbers
(``card``), e-mail addresses (``email``) and the street-and-number part of addresses (``address``)
and replaces each with a token staff can read (``[주민등록번호]``, ``[전화번호]`` ...). The spans
refer to the original text, so the clear text can be sealed separately where the law needs it.

Every pattern is a bounded regular expression (no nested unbounded repetition) or a bounded scan
around a literal (the ``@`` of an e-mail), so the cost is linear in the text: 1 MB of anything
finishes. The module never logs text. See ``docs/desk-pii.md`` for the choices (what is kept
visible in an address, why business registration numbers stay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["KINDS", "TOKENS", "Masked", "Span", "mask"]

#: The token that replaces each kind of personal data.
TOKENS: Final[dict[str, str]] = {
    "rrn": "[주민등록번호]",
    "foreign_rrn": "[외국인등록번호]",
    "card": "[카드번호]",
    "phone": "[전화번호]",
    "account": "[계좌번호]",
    "email": "[이메일]",
    "address": "[주소]",
}
#: Kinds in priority order: when two findings overlap, the earlier kind wins.
KINDS: Final[tuple[str, ...]] = tuple(TOKENS)


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: its kind and its ``[start, end)`` position in the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Masked:
    """The masked text, the findings (original positions) and how many of each kind."""

    text: str
    spans: tuple[Span, ...]
    counts: dict[str, int]


# --- patterns ------------------------------------------------------------------------------------

_SEP = r"[ \t]?[-.][ \t]?|[ \t]"  # one hyphen or dot (spaces around allowed) or one space
_NO_DIGIT_BEFORE = r"(?<![0-9])(?<![0-9][-.])"
_NO_DIGIT_AFTER = r"(?![0-9])(?![-.][0-9])"
#: A number that is a count, an amount, a duration: never personal data.
#: Only units that cannot start an ordinary next word ("010-0000-1234 회사는" is a phone).
_NOT_A_QUANTITY = r"(?![ \t]?(?:원|만[ \t]?원|천[ \t]?원|억(?!울)|명|%|개월|시간))"

_RRN = re.compile(
    _NO_DIGIT_BEFORE
    + r"[0-9]{2}[0-9]{2}[0-9]{2}(?:[ \t]?[-\u2010][ \t]?|[ \t])?(?P<g>[0-9])(?:[0-9]{6}|[*xX●○]{6})"
    + _NO_DIGIT_AFTER
)
_CARD = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:[0-9]{4}(?P<s>[ .-]?)[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}"
    + r"|3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5})"
    + _NO_DIGIT_AFTER
)
_PHONE_CODE = r"(?:1[016-9]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|80|50[0-9])"
_PHONE = re.compile(
    r"(?<![0-9+])(?<![0-9][-.])(?:"
    + r"(?:(?:\+[ \t]?82[ \t]?(?:-[ \t]?)?(?:\(0\)[ \t]?)?|0)"
    + _PHONE_CODE
    + r"|\(0"
    + _PHONE_CODE
    + r"\)[ \t]?)"
    + f"(?:{_SEP})?[0-9]{{3,4}}(?:{_SEP})?[0-9]{{4}}"
    + r"|1(?:5[0-9]{2}|6[0-9]{2}|8[0-9]{2})(?:[ \t]?[-.][ \t]?|[ \t])?[0-9]{4})"
    + _NO_DIGIT_AFTER
    + _NOT_A_QUANTITY
)
_GROUP = r"[0-9]{2,7}"
_LAST = r"[0-9]{1,7}"  # a check digit may stand alone: 새마을금고 9002-0000-1234-5
_ACCOUNT_CANDIDATE = re.compile(
    _NO_DIGIT_BEFORE
    + rf"(?:{_GROUP}[ -]{_GROUP}(?:[ -]{_GROUP})?(?:[ -]{_GROUP})?(?:[ -]{_LAST})?|[0-9]{{10,14}})"
    + _NO_DIGIT_AFTER
    + _NOT_A_QUANTITY
)
_BANK_WORDS = re.compile(
    r"은행|뱅크|계좌|통장|입금|송금|예금주|농협|신협|수협|새마을금고|우체국|신한|토스|씨티|IBK|KB|NH|"
    r"SC제일|bank|account",
    re.IGNORECASE,
)
_BUSINESS_WORDS = re.compile(r"사업자|법인|등록번호")
_DATE_LIKE = re.compile(r"(?:19|20)[0-9]{2}[ -](?:0?[1-9]|1[0-2])[ -](?:0?[1-9]|[12][0-9]|3[01])")

_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")

_UNIT_PART = r"(?:[ \t]?,?[ \t]?[0-9]{1,5}(?:동|호|층))?"
_UNIT = _UNIT_PART * 3  # building, flat, floor: "101동 1203호", ", 4층"
#: What follows a count, not a house number ("월급으로 200만원", "노동 3권", "회사로 3번").
_NOT_AFTER_ROAD = (
    r"(?![ \t]?(?:원|만|천|억|명|%|년|월|개|일|시|분|초|회|건|살|세|번(?!지)|차|주|달|배|권|등|위"
    r"|대|kg|km|m\b|톤|평|시간|학년|교대))"
)
_NOT_AFTER_LOT = _NOT_AFTER_ROAD[:-2] + "|층|호))"
#: Road-name (도로명) part: "테헤란로 123", "효원로1길 23-4", "중앙로 12번길 5".
_ROAD = re.compile(
    r"(?<![가-힣A-Za-z0-9])[가-힣0-9·]{1,12}(?:대로|로|길)"
    r"(?:[ \t]?[0-9]{1,4}(?:번길|번가길|가길|길))?"
    r"[ \t]?[0-9]{1,5}(?:-[0-9]{1,5})?(?![0-9])(?!-[0-9])" + _NOT_AFTER_ROAD + _UNIT
)
#: Lot-number (지번) part: "역삼동 123-45", "상리 12번지".
_LOT = re.compile(
    r"(?<![가-힣A-Za-z0-9])[가-힣]{1,8}[0-9]?(?:동|리|가)[ \t]?[0-9]{1,5}"
    r"(?:-[0-9]{1,5}(?:[ \t]?번지)?|[ \t]?번지)?(?![0-9])(?!-[0-9])" + _NOT_AFTER_LOT + _UNIT
)
#: What makes a road or lot match an address rather than "월급으로 3": a 시/군/구 just before it
#: or an address word near it; an explicit 번길 / 번지 / lot hyphen is enough on its own.
_ADDRESS_CONTEXT = re.compile(
    r"(?:[가-힣]{1,5}(?:시|군|구|읍|면))[ \t]|주소|소재지|거주|살고|사는|위치|사업장|현장|공장|매장"
)
_ADDRESS_STRONG = re.compile(r"번길|가길|번지|[0-9]-[0-9]|[0-9]호")
_CONTEXT_WINDOW: Final = 30


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _near(
    pattern: re.Pattern[str], text: str, start: int, end: int, before: int, after: int
) -> bool:
    return bool(pattern.search(text, max(0, start - before), start)) or bool(
        pattern.search(text[end : end + after])
    )


def _rrn_spans(text: str) -> list[Span]:
    spans = []
    for m in _RRN.finditer(text):
        kind = "foreign_rrn" if m.group("g") in "5678" else "rrn"
        joined = m.group(0)
        if not any(ch in joined for ch in " \t-\u2010") and m.group("g") not in "12345678":
            continue  # thirteen digits in a row starting 0/9 after six: more likely an account
        spans.append(Span(kind, m.start(), m.end()))
    return spans


def _account_spans(text: str) -> list[Span]:
    spans = []
    for m in _ACCOUNT_CANDIDATE.finditer(text):
        value = m.group(0)
        if not 10 <= _digits(value) <= 16 or _DATE_LIKE.fullmatch(value):
            continue
        if not _near(_BANK_WORDS, text, m.start(), m.end(), 20, 12):
            continue
        groups = [len(g) for g in re.split(r"[ -]", value)]
        if groups == [3, 2, 5] and _near(_BUSINESS_WORDS, text, m.start(), m.end(), 20, 0):
            continue  # a business registration number: kept (see the docs)
        spans.append(Span("account", m.start(), m.end()))
    return spans


_EMAIL_LOCAL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_%+-."
)


def _email_spans(text: str) -> list[Span]:
    """E-mail addresses, found from each ``@`` with a bounded walk back (linear in the text)."""
    spans = []
    at = text.find("@")
    while at != -1:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        while start < at and text[start] == ".":  # a sentence dot is not part of the name
            start += 1
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if start < at and domain:
            spans.append(Span("email", start, domain.end()))
        at = text.find("@", at + 1)
    return spans


def _address_spans(text: str) -> list[Span]:
    spans = []
    for pattern in (_ROAD, _LOT):
        for m in pattern.finditer(text):
            found = m.group(0)
            strong = bool(_ADDRESS_STRONG.search(found))
            if strong or _near(_ADDRESS_CONTEXT, text, m.start(), m.start(), _CONTEXT_WINDOW, 0):
                spans.append(Span("address", m.start(), m.end()))
    return spans


def _find(text: str) -> list[Span]:
    found: list[Span] = _rrn_spans(text)
    found += [Span("card", m.start(), m.end()) for m in _CARD.finditer(text)]
    found += [Span("phone", m.start(), m.end()) for m in _PHONE.finditer(text)]
    found += _account_spans(text)
    found += _email_spans(text)
    found += _address_spans(text)
    return found


def _resolve(found: list[Span]) -> list[Span]:
    """Non-overlapping findings in text order.

    Of two that overlap, the higher-priority kind (then the longer) wins. One sweep: linear after
    the sort, whatever the number of findings.
    """
    rank = {kind: i for i, kind in enumerate(KINDS)}
    chosen: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start, rank[s.kind], s.start - s.end)):
        if not chosen or chosen[-1].end <= span.start:
            chosen.append(span)
            continue
        last = chosen[-1]
        if (rank[span.kind], last.end - last.start) < (rank[last.kind], span.end - span.start):
            chosen[-1] = span
    return chosen


def mask(text: str) -> Masked:
    """Replace personal data in ``text`` with readable tokens.

    Masking is idempotent (a masked text has nothing left to find) and leaves everything else as
    it is, HTML included: escaping is the renderer's job.

    Args:
        text: The request text as the citizen wrote it.

    Returns:
        The masked text, the spans (positions in ``text``) and the count per kind.

    >>> m = mask("연락처 010-0000-1234, 메일 hong@example.com")
    >>> m.text, m.counts
    ('연락처 [전화번호], 메일 [이메일]', {'phone': 1, 'email': 1})
    """
    if not text:
        return Masked("", (), {})
    spans = _resolve(_find(text))
    parts: list[str] = []
    counts: dict[str, int] = {}
    cursor = 0
    for span in spans:
        parts.append(text[cursor : span.start])
        parts.append(TOKENS[span.kind])
        counts[span.kind] = counts.get(span.kind, 0) + 1
        cursor = span.end
    parts.append(text[cursor:])
    return Masked("".join(parts), tuple(spans), counts)
