"""Hangul for record linkage: jamo, Revised Romanization, name parts and string similarity.

Korean names are compared below the syllable: one mistyped jamo (``혜`` → ``헤``) changes one of
the eight or nine letters of a decomposed name, not one of three syllables, so Jaro-Winkler on jamo
separates typing errors from different names far better than on syllables. DuckDB's (and Spark's)
string functions count *bytes*, so the jamo are also given as a one-ASCII-letter-per-jamo code
(:func:`jamo_code`) that SQL can compare correctly.

Romanised names (``HONG Gildong``, ``Gildong Hong``, ``HONG GIL DONG``) are compared in romanised
space: every Hangul name gets the Revised Romanization of its syllables (the national rule for
personal names romanises syllable by syllable, without sound changes), and a Latin surname is
mapped back to its Hangul candidates through the common passport spellings.

Everything here is pure and dictionary-driven, so :mod:`ilteo.lake.standardise` turns the same
tables into vectorised Polars expressions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_SPELLINGS",
    "compose",
    "decompose",
    "is_latin_name",
    "is_syllable",
    "jamo",
    "jamo_code",
    "jamo_similarity",
    "jaro_winkler",
    "latin_name_readings",
    "latin_surname_candidates",
    "parse_latin_name",
    "romanize",
    "split_name",
    "syllable_table",
]

_BASE, _LAST = 0xAC00, 0xD7A3
_N_JUNG, _N_JONG = 21, 28

# Compatibility jamo in Unicode composition order; finals as their initial(s), clusters as two.
_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = (
    "", "ㄱ", "ㄲ", "ㄱㅅ", "ㄴ", "ㄴㅈ", "ㄴㅎ", "ㄷ", "ㄹ", "ㄹㄱ", "ㄹㅁ", "ㄹㅂ", "ㄹㅅ",
    "ㄹㅌ", "ㄹㅍ", "ㄹㅎ", "ㅁ", "ㅂ", "ㅂㅅ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ",
    "ㅎ",
)  # fmt: skip

# One ASCII letter per jamo: consonants lower case, vowels upper case.
_CODE = dict(zip(_CHO, "gqndfrmbvszxjwcktph", strict=True))
_CODE |= dict(zip(_JUNG, "AEYZOXUVLWQKJRHFGNMDI", strict=True))

# Revised Romanization (2000) of each jamo index; initial ㅇ and no final are empty.
_RR_CHO = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
)  # fmt: skip
_RR_JUNG = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
_RR_JONG = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip

#: Two-syllable surnames, recognised when the name has at least three syllables.
COMPOUND_SURNAMES = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})

#: Common Latin spellings of Korean surnames (passport and traditional), besides the strict RR.
SURNAME_SPELLINGS: dict[str, tuple[str, ...]] = {
    "김": ("kim", "gim", "ghim"),
    "이": ("lee", "yi", "rhee", "rhie", "ri", "li", "yee", "i"),
    "박": ("park", "bak", "pak", "bahk"),
    "최": ("choi", "choe", "chey", "choy"),
    "정": ("jung", "jeong", "chung", "cheong", "joung", "jeung"),
    "강": ("kang", "gang", "kahng"),
    "조": ("cho", "jo", "joe", "chough"),
    "윤": ("yoon", "yun", "youn"),
    "장": ("jang", "chang", "jhang"),
    "임": ("lim", "im", "rim", "yim", "leem"),
    "한": ("han", "hahn"),
    "오": ("oh", "o"),
    "서": ("seo", "suh", "su"),
    "신": ("shin", "sin", "shinn"),
    "권": ("kwon", "gwon", "kweon"),
    "황": ("hwang", "whang"),
    "안": ("ahn", "an"),
    "송": ("song",),
    "유": ("yoo", "yu", "you"),
    "전": ("jeon", "jun", "chun", "cheon"),
    "홍": ("hong",),
    "고": ("ko", "go", "koh"),
    "문": ("moon", "mun"),
    "양": ("yang", "ryang"),
    "손": ("son", "sohn"),
    "배": ("bae", "bai", "pae"),
    "백": ("baek", "paik", "baik", "paek"),
    "허": ("heo", "huh", "hur"),
    "류": ("ryu", "ryoo", "yoo", "yu"),
    "남": ("nam",),
    "심": ("shim", "sim"),
    "하": ("ha",),
    "노": ("noh", "no", "roh", "ro"),
    "곽": ("kwak", "gwak"),
    "성": ("sung", "seong"),
    "차": ("cha",),
    "주": ("joo", "ju", "chu"),
    "우": ("woo", "u"),
    "구": ("koo", "gu", "ku"),
    "민": ("min",),
    "나": ("na", "ra"),
    "진": ("jin", "chin"),
    "지": ("ji", "chi"),
    "엄": ("eom", "um", "uhm"),
    "채": ("chae", "chai"),
    "원": ("won",),
    "천": ("cheon", "chun"),
    "방": ("bang",),
    "공": ("kong", "gong"),
    "현": ("hyun", "hyeon"),
    "함": ("ham",),
    "변": ("byun", "byeon", "pyun"),
    "염": ("yeom", "yum"),
    "여": ("yeo", "yuh"),
    "추": ("choo", "chu"),
    "도": ("do", "doh"),
    "소": ("so",),
    "석": ("seok", "suk"),
    "선": ("sun", "seon"),
    "설": ("seol", "sul"),
    "마": ("ma",),
    "길": ("gil", "kil"),
    "연": ("yeon", "yun"),
    "표": ("pyo",),
    "명": ("myung", "myeong"),
    "기": ("ki", "gi"),
    "반": ("ban",),
    "왕": ("wang",),
    "금": ("keum", "geum", "kum"),
    "옥": ("ok",),
    "육": ("yook", "yuk"),
    "인": ("in",),
    "맹": ("maeng",),
    "탁": ("tak",),
    "국": ("kook", "guk", "kuk"),
    "남궁": ("namgung", "namkung"),
    "황보": ("hwangbo",),
    "제갈": ("jegal",),
    "선우": ("sunwoo", "seonu"),
    "독고": ("dokgo",),
    "사공": ("sagong",),
    "서문": ("seomun",),
}

_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .,'\-]*")


def is_syllable(ch: str) -> bool:
    """Tell whether ``ch`` is one precomposed Hangul syllable.

    >>> is_syllable("한"), is_syllable("ㅎ"), is_syllable("a")
    (True, False, False)
    """
    return len(ch) == 1 and _BASE <= ord(ch) <= _LAST


def decompose(ch: str) -> tuple[int, int, int]:
    """Split a syllable into its (initial, medial, final) jamo indices (final 0 = none).

    >>> decompose("한"), decompose("가")
    ((18, 0, 4), (0, 0, 0))
    """
    offset = ord(ch) - _BASE
    return offset // (_N_JUNG * _N_JONG), (offset // _N_JONG) % _N_JUNG, offset % _N_JONG


def compose(initial: int, medial: int, final: int = 0) -> str:
    """Build a syllable from jamo indices (the inverse of :func:`decompose`).

    >>> compose(18, 0, 4)
    '한'
    """
    return chr(_BASE + (initial * _N_JUNG + medial) * _N_JONG + final)


@cache
def syllable_table() -> dict[str, tuple[str, str, str]]:
    """Every Hangul syllable with its jamo, jamo code and romanisation (11,172 entries, cached).

    >>> syllable_table()["한"]
    ('ㅎㅏㄴ', 'hAn', 'han')
    """
    table: dict[str, tuple[str, str, str]] = {}
    for offset in range(_LAST - _BASE + 1):
        ch = chr(_BASE + offset)
        cho, jung, jong = decompose(ch)
        letters = _CHO[cho] + _JUNG[jung] + _JONG[jong]
        code = "".join(_CODE[j] for j in letters)
        table[ch] = (letters, code, _RR_CHO[cho] + _RR_JUNG[jung] + _RR_JONG[jong])
    return table


def jamo(text: str) -> str:
    """Decompose Hangul syllables into compatibility jamo; other characters are kept.

    >>> jamo("김민준")
    'ㄱㅣㅁㅁㅣㄴㅈㅜㄴ'
    >>> jamo("닭")  # a cluster final is two jamo
    'ㄷㅏㄹㄱ'
    """
    table = syllable_table()
    return "".join(table[ch][0] if ch in table else ch for ch in text)


def jamo_code(text: str) -> str:
    """Jamo as one ASCII letter each (consonants lower, vowels upper), for byte-wise SQL functions.

    Characters that are not Hangul syllables are dropped.

    >>> jamo_code("김민준")
    'gImmInjRn'
    >>> jamo_code("김민준") == jamo_code("김 민준")
    True
    """
    table = syllable_table()
    return "".join(table[ch][1] for ch in text if ch in table)


def romanize(text: str) -> str:
    """Revised Romanization of Hangul, syllable by syllable (the rule for personal names).

    Non-Hangul characters are kept; the result is lower case.

    >>> romanize("민준"), romanize("서연"), romanize("길동"), romanize("김")
    ('minjun', 'seoyeon', 'gildong', 'gim')
    """
    table = syllable_table()
    return "".join(table[ch][2] if ch in table else ch.lower() for ch in text)


def split_name(name: str) -> tuple[str, str]:
    """Split a Hangul full name into (surname, given name).

    The first syllable is the surname, or the first two when they form a compound surname and
    the name has at least three syllables.

    >>> split_name("홍길동"), split_name("남궁민수"), split_name("남궁")
    (('홍', '길동'), ('남궁', '민수'), ('남', '궁'))
    """
    text = "".join(name.split())
    if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
        return text[:2], text[2:]
    return text[:1], text[1:]


@cache
def _latin_to_hangul() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for hangul, spellings in SURNAME_SPELLINGS.items():
        for spelling in {*spellings, romanize(hangul)}:
            out.setdefault(spelling, []).append(hangul)
    return {key: tuple(sorted(value)) for key, value in out.items()}


def latin_surname_candidates(spelling: str) -> tuple[str, ...]:
    """Hangul surnames a Latin spelling can stand for (empty when unknown).

    >>> latin_surname_candidates("Lee"), latin_surname_candidates("PARK")
    (('이',), ('박',))
    >>> latin_surname_candidates("Yoo")
    ('류', '유')
    >>> latin_surname_candidates("Smith")
    ()
    """
    return _latin_to_hangul().get(spelling.strip().lower(), ())


def is_latin_name(name: str) -> bool:
    """Tell whether a name is written in Latin letters (a romanised Korean name).

    >>> is_latin_name("HONG Gildong"), is_latin_name("홍길동"), is_latin_name("")
    (True, False, False)
    """
    return bool(_LATIN_NAME.fullmatch(name.strip()))


def latin_name_readings(name: str) -> list[tuple[str, str]]:
    """Every plausible (surname, romanised given name) reading of a romanised name, best first.

    The surname is the token that is a known surname spelling, preferring one written in
    capitals, then the first token (``HONG Gildong``, ``Hong Gildong``), else the last
    (``Gildong Hong``). When both tokens of a two-word name are surname spellings and neither is
    in capitals (``Jun Jung``), the reversed reading is offered second. A known surname is given
    in Hangul, an unknown one in lower-case Latin.

    >>> latin_name_readings("HONG Gildong"), latin_name_readings("Seoyeon Lee")
    ([('홍', 'gildong')], [('이', 'seoyeon')])
    >>> latin_name_readings("PARK JI MIN"), latin_name_readings("Bak Jimin")
    ([('박', 'jimin')], [('박', 'jimin')])
    >>> latin_name_readings("Jun Jung")
    [('전', 'jung'), ('정', 'jun')]
    >>> latin_name_readings("John Smith")
    [('john', 'smith')]
    """
    tokens = [t for t in re.split(r"[\s,.]+", name.strip()) if t]
    if not tokens:
        return []
    known = [i for i, t in enumerate(tokens) if latin_surname_candidates(t)]
    caps = [i for i in known if tokens[i].isupper() and len(tokens[i]) > 1]
    if caps and not all(t.isupper() for t in tokens):
        order = [caps[0]]
    elif 0 in known or not known:
        order = [0]
    else:
        order = [known[-1]]
    if len(tokens) == 2 and known == [0, 1] and not caps:
        order.append(1 - order[0])

    def reading(index: int) -> tuple[str, str]:
        given = "".join(t for i, t in enumerate(tokens) if i != index).lower().replace("-", "")
        candidates = latin_surname_candidates(tokens[index])
        return (candidates[0] if candidates else tokens[index].lower()), given

    return [reading(i) for i in order]


def parse_latin_name(name: str) -> tuple[str, str]:
    """The best reading of a romanised name (see :func:`latin_name_readings`).

    >>> parse_latin_name("HONG Gildong"), parse_latin_name("")
    (('홍', 'gildong'), ('', ''))
    """
    readings = latin_name_readings(name)
    return readings[0] if readings else ("", "")


def _jaro(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                matched_a.append(ch)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if taken[j]]
    # Transpositions are halved with integer division, as DuckDB (and jellyfish) do.
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    m = len(matched_a)
    return (m / len(a) + m / len(b) + (m - transpositions) / m) / 3


def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity of two strings (characters, common prefix up to four).

    The same definition as DuckDB's ``jaro_winkler_similarity`` on ASCII text: the prefix
    bonus applies only above a Jaro similarity of 0.7.

    >>> round(jaro_winkler("MARTHA", "MARHTA"), 4)
    0.9611
    >>> jaro_winkler("abc", "abc"), jaro_winkler("", "abc")
    (1.0, 0.0)
    """
    score = _jaro(a, b)
    if score <= 0.7:  # Winkler's boost threshold, as DuckDB applies it
        return score
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return score + prefix * prefix_scale * (1 - score)


def jamo_similarity(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two Hangul names on their jamo (NFC, spaces ignored).

    One mistyped jamo keeps a name close; a different given name does not.

    >>> round(jamo_similarity("김혜진", "김헤진"), 3)
    0.95
    >>> round(jamo_similarity("김혜진", "김민준"), 3)
    0.825
    >>> jamo_similarity("김 혜진", "김혜진")
    1.0
    """
    left = jamo_code(unicodedata.normalize("NFC", a))
    right = jamo_code(unicodedata.normalize("NFC", b))
    return jaro_winkler(left, right)
