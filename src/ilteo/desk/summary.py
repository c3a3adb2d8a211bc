"""An extractive summary of a request for staff: its few most telling sentences, in text order.

:func:`summarise` splits the text into sentences (punctuation, line breaks and the polite
sentence endings people type without a full stop: ``...받았어요 사장은...``), gives each sentence a
centrality score (cosine between its TF-IDF vector and the whole text's, over Hangul character
bigrams and Latin/number words), adds small bonuses for what staff need first (an amount, a date
or period, the workplace) and for the opening sentence, then picks ``max_sentences`` greedily:
what is asked earns a bonus once (the first question chosen, not every question), and a sentence
loses by its similarity to those already chosen (maximal marginal relevance). The chosen
sentences come back in the order they were written. Nothing is generated: every sentence is the
citizen's own (masked) words.

Why not Kiwi here: a Kiwi analysis of a 1,000-character request costs about 18 ms on this
machine, more than the whole budget of this step; character bigrams rank sentences almost as well
for a handful of sentences and cost about a millisecond (``docs/desk-pii.md``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Final

__all__ = ["summarise"]

#: Longest text read (characters): the opening of a 1 MB paste says what it is about.
MAX_CHARS: Final = 20_000

#: Where a sentence ends: full stops followed by a space (not "3.5%"), a line break, or a polite
#: ending (습니다, any -요 but 필요/중요/주요..., 죠) followed by a space and more words. Plain
#: alternation: linear on any input.
_BOUNDARY = re.compile(
    r"[.!?。]{1,3}(?=\s|$)|\n|(?:습니다|니다|(?<!필)(?<!중)(?<!주)(?<!수)(?<!소)(?<!요)요|죠)"
    r"(?=[ \t]{1,10}[가-힣A-Za-z0-9])"
)
#: A "sentence" longer than this is cut at a space (pastes without any punctuation).
_MAX_SENTENCE: Final = 400
_WORD = re.compile(r"[가-힣]{1,200}|[A-Za-z]{2,40}|[0-9]{1,20}|[\u4e00-\u9fff]{1,200}")
_AMOUNT = re.compile(r"[0-9][0-9,.]{0,15}[ ]?(?:만[ ]?)?원|[0-9]+[ ]?만|억")
_DATE = re.compile(r"[0-9]{1,4}[ ]?(?:년|월|일|주|개월)|달째|개월째|부터|까지|작년|올해|지난달")
_WORKPLACE = re.compile(
    r"회사|사업장|현장|공장|매장|센터|\(주\)|주식회사|사장|대표|원청|하도급|업체"
)
_ASK = re.compile(
    r"\?|문의|알려|궁금|요청|바랍니다|부탁|어떻게|있나요|있는지|되나요|되는지|가능한지|방법|신고하"
)
_BONUS: Final = ((_AMOUNT, 0.15), (_DATE, 0.1), (_WORKPLACE, 0.1))
#: What is asked matters once: a second question adds less than the situation.
_ASK_BONUS: Final = 0.25
_FIRST_BONUS: Final = 0.2
#: Weight of the similarity to sentences already chosen (maximal marginal relevance).
_REDUNDANCY: Final = 0.3


def _terms(sentence: str) -> list[str]:
    """Hangul/Chinese character bigrams (a one-syllable word as itself), Latin words, numbers.

    >>> _terms("임금 체불 AI")
    ['임금', '체불', 'ai']
    """
    terms: list[str] = []
    for word in _WORD.findall(sentence):
        if word[0].isascii():
            terms.append(word.lower())
        elif len(word) == 1:
            terms.append(word)
        else:
            terms.extend(word[i : i + 2] for i in range(len(word) - 1))
    return terms


def _pieces(text: str) -> list[str]:
    """Sentences of ``text``, stripped and non-empty, none longer than about ``_MAX_SENTENCE``.

    >>> _pieces("금액은 3.5%입니다. 못 받았어요 도와주세요")
    ['금액은 3.5%입니다.', '못 받았어요', '도와주세요']
    """
    pieces: list[str] = []
    cursor = 0
    ends = [m.end() for m in _BOUNDARY.finditer(text)] + [len(text)]
    for end in ends:
        while end - cursor > _MAX_SENTENCE:
            cut = text.find(" ", cursor + _MAX_SENTENCE, end)
            cut = cursor + _MAX_SENTENCE if cut == -1 else cut
            pieces.append(text[cursor:cut])
            cursor = cut
        pieces.append(text[cursor:end])
        cursor = end
    return [p.strip() for p in pieces if p.strip()]


def _split(text: str) -> list[tuple[str, list[str]]]:
    """Sentences of ``text`` with their terms."""
    return [(s, _terms(s)) for s in _pieces(text)]


def _vectors(sentences: list[tuple[str, list[str]]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors of the sentences (IDF over the sentences of this text)."""
    n = len(sentences)
    df = Counter(term for _, terms in sentences for term in set(terms))
    idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
    vectors = []
    for _, terms in sentences:
        vector = {t: c * idf[t] for t, c in Counter(terms).items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    return vectors


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    if len(left) > len(right):
        left, right = right, left
    return sum(w * right.get(t, 0.0) for t, w in left.items())


def _base_scores(
    sentences: list[tuple[str, list[str]]], vectors: list[dict[str, float]]
) -> list[float]:
    """Centrality (cosine to the whole text) plus the content bonuses but the ask, per sentence."""
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    centroid_norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    scores = []
    for i, ((text, _), vector) in enumerate(zip(sentences, vectors, strict=True)):
        score = sum(w * centroid[t] for t, w in vector.items()) / centroid_norm
        score += sum(bonus for pattern, bonus in _BONUS if pattern.search(text))
        if i == 0:
            score += _FIRST_BONUS
        if len(text) < 8:  # "네.", "감사합니다." carry nothing
            score -= 0.5
        scores.append(score)
    return scores


def _select(sentences: list[tuple[str, list[str]]], k: int) -> list[int]:
    """Greedy choice: best score, the ask bonus once only, minus redundancy with those chosen."""
    vectors = _vectors(sentences)
    base = _base_scores(sentences, vectors)
    asks = [bool(_ASK.search(text)) for text, _ in sentences]
    chosen: list[int] = []
    while len(chosen) < k:
        ask_open = not any(asks[j] for j in chosen)
        best, best_value = -1, -math.inf
        for i in range(len(sentences)):
            if i in chosen:
                continue
            redundancy = max((_cosine(vectors[i], vectors[j]) for j in chosen), default=0.0)
            ask = _ASK_BONUS if asks[i] and ask_open else 0.0
            value = base[i] + ask - _REDUNDANCY * redundancy
            if value > best_value:  # ties keep the earlier sentence
                best, best_value = i, value
        chosen.append(best)
    return sorted(chosen)


def summarise(text: str, max_sentences: int = 3) -> list[str]:
    """The ``max_sentences`` most telling sentences of ``text``, in the order of the text.

    Args:
        text: The (masked) request text.
        max_sentences: How many sentences at most.

    Returns:
        The chosen sentences (stripped); the text's own sentences when it has no more than
        ``max_sentences``; ``[]`` for an empty or blank text.

    >>> summarise("임금을 못 받았습니다.")
    ['임금을 못 받았습니다.']
    """
    text = text[:MAX_CHARS]
    if not text.strip() or max_sentences < 1:
        return []
    sentences = _split(text)
    if len(sentences) <= max_sentences:
        return [s for s, _ in sentences]
    return [sentences[i][0] for i in _select(sentences, max_sentences)]
