"""Hangul syllables: decomposition, plausible typing errors, and Revised Romanization of names."""

from __future__ import annotations

import numpy as np

_BASE, _END = 0xAC00, 0xD7A3
_N_JUNG, _N_JONG = 21, 28

# Jamo in Unicode composition order.
_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

# Confusions people make when typing or hearing names (by jamo index).
_CHO_SIMILAR = {"ㄱ": "ㅋㄲ", "ㄷ": "ㅌㄸ", "ㅂ": "ㅍㅃ", "ㅈ": "ㅊㅉ", "ㅅ": "ㅆ", "ㅇ": "ㅎ"}
_CHO_SIMILAR |= {"ㅎ": "ㅇ", "ㄴ": "ㄹ", "ㄹ": "ㄴ", "ㅋ": "ㄱ", "ㅊ": "ㅈ", "ㅌ": "ㄷ"}
_JUNG_SIMILAR = {"ㅐ": "ㅔ", "ㅔ": "ㅐ", "ㅓ": "ㅗ", "ㅗ": "ㅓㅜ", "ㅜ": "ㅡㅗ", "ㅡ": "ㅜ"}
_JUNG_SIMILAR |= {"ㅕ": "ㅛ", "ㅛ": "ㅕ", "ㅖ": "ㅔ", "ㅒ": "ㅐ", "ㅚ": "ㅙㅞ", "ㅙ": "ㅚ"}
_JUNG_SIMILAR |= {"ㅞ": "ㅚ", "ㅢ": "ㅣ", "ㅣ": "ㅢ", "ㅏ": "ㅑ", "ㅑ": "ㅏ", "ㅠ": "ㅜ"}
_JONG_SIMILAR = {
    "ㄴ": "ㅇ ",
    "ㅇ": "ㄴ ",
    "ㄱ": " ",
    "ㄹ": " ",
    "ㅁ": "ㅂ",
    "ㅂ": "ㅁ",
    " ": "ㄴㅇ",
}

# Revised Romanization of each jamo index (initial ㅇ and no final are empty).
_RR_CHO: tuple[str, ...] = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
)  # fmt: skip
_RR_JUNG: tuple[str, ...] = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
_RR_JONG: tuple[str, ...] = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip


def is_syllable(ch: str) -> bool:
    """Tell whether ``ch`` is one precomposed Hangul syllable.

    >>> is_syllable("한"), is_syllable("a")
    (True, False)
    """
    return len(ch) == 1 and _BASE <= ord(ch) <= _END


def decompose(ch: str) -> tuple[int, int, int]:
    """Split a syllable into (initial, vowel, final) indices.

    >>> decompose("한")
    (18, 0, 4)
    """
    offset = ord(ch) - _BASE
    return offset // (_N_JUNG * _N_JONG), (offset // _N_JONG) % _N_JUNG, offset % _N_JONG


def compose(cho: int, jung: int, jong: int) -> str:
    """Build a syllable from (initial, vowel, final) indices.

    >>> compose(18, 0, 4)
    '한'
    """
    return chr(_BASE + (cho * _N_JUNG + jung) * _N_JONG + jong)


def has_final(ch: str) -> bool:
    """Tell whether a syllable ends in a consonant (받침).

    >>> has_final("김"), has_final("이")
    (True, False)
    """
    return is_syllable(ch) and decompose(ch)[2] != 0


def typo_syllable(ch: str, rng: np.random.Generator) -> str:
    """Return a similar-sounding or similar-looking syllable (one jamo replaced).

    >>> typo_syllable("혜", np.random.default_rng(1)) != "혜"
    True
    """
    cho, jung, jong = decompose(ch)
    options: list[tuple[int, int, int]] = []
    for alt in _CHO_SIMILAR.get(_CHO[cho], ""):
        options.append((_CHO.index(alt), jung, jong))
    for alt in _JUNG_SIMILAR.get(_JUNG[jung], ""):
        options.append((cho, _JUNG.index(alt), jong))
    for alt in _JONG_SIMILAR.get(_JONG[jong], ""):
        options.append((cho, jung, _JONG.index(alt)))
    if not options:
        options.append((cho, jung, 0 if jong else 4))
    return compose(*options[int(rng.integers(len(options)))])


def typo_name(name: str, rng: np.random.Generator) -> str:
    """Return ``name`` with one syllable mistyped (surname kept unless the name is one syllable).

    >>> typo_name("김민준", np.random.default_rng(3)) != "김민준"
    True
    """
    positions = [i for i, ch in enumerate(name) if is_syllable(ch)]
    if len(positions) > 1:
        positions = positions[1:]
    if not positions:
        return name
    i = positions[int(rng.integers(len(positions)))]
    return name[:i] + typo_syllable(name[i], rng) + name[i + 1 :]


def romanize(hangul: str) -> str:
    """Revised Romanization of a name part, syllable by syllable (no sound-change rules).

    The national rule for personal names romanises each syllable without assimilation, so
    ``민준`` → ``minjun``.

    >>> romanize("민준"), romanize("서연"), romanize("길동")
    ('minjun', 'seoyeon', 'gildong')
    """
    out = []
    for ch in hangul:
        if not is_syllable(ch):
            out.append(ch)
            continue
        cho, jung, jong = decompose(ch)
        out.append(_RR_CHO[cho] + _RR_JUNG[jung] + _RR_JONG[jong])
    return "".join(out)


def romanize_name(surname: str, given: str, surname_latin: str, style: int) -> str:
    """A romanised full name in one of four common styles.

    Args:
        surname: Korean surname.
        given: Korean given name.
        surname_latin: The surname's conventional spelling (``Kim``, ``Lee``).
        style: 0 ``HONG Gildong``, 1 ``Gildong Hong``, 2 ``HONG GIL DONG``, 3 strict RR
            ``Hong Gildong``.

    >>> romanize_name("홍", "길동", "Hong", 0), romanize_name("이", "서연", "Lee", 1)
    ('HONG Gildong', 'Seoyeon Lee')
    >>> romanize_name("박", "지민", "Park", 2), romanize_name("박", "지민", "Park", 3)
    ('PARK JI MIN', 'Bak Jimin')
    """
    first = romanize(given).capitalize()
    if style == 0:
        return f"{surname_latin.upper()} {first}"
    if style == 1:
        return f"{first} {surname_latin}"
    if style == 2:
        return " ".join([surname_latin.upper(), *(romanize(ch).upper() for ch in given)])
    return f"{romanize(surname).capitalize()} {first}"
