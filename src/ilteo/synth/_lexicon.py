"""Names and places of the synthetic country, read once from ``names.yaml`` and ``places.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ilteo.synth._params import read_yaml

StrArray = np.ndarray[Any, np.dtype[np.str_]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _zipf(n: int) -> FloatArray:
    """Rank weights ``1 / (rank + 4)`` for ranks 1…n, normalised.

    >>> [round(float(x), 3) for x in _zipf(3)]
    [0.393, 0.327, 0.28]
    """
    w = 1.0 / (np.arange(n) + 5.0)
    return np.asarray(w / w.sum(), dtype=np.float64)


def _probs(values: list[float]) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    return np.asarray(array / array.sum(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Syllables:
    """Ranked given-name syllables of one sex."""

    first: StrArray
    first_p: FloatArray
    second: StrArray
    second_p: FloatArray


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything names and addresses are made of."""

    surnames: StrArray
    surname_p: FloatArray
    surname_latin: StrArray
    male: Syllables
    female: Syllables
    one_syllable: float
    three_syllable: float
    sido_code: StrArray
    sido_name: StrArray
    sido_short: StrArray
    sido_alt: StrArray
    sido_p: FloatArray
    sigungu: StrArray
    sigungu_offset: np.ndarray[Any, np.dtype[np.int64]]
    sigungu_count: np.ndarray[Any, np.dtype[np.int64]]
    road_stems: StrArray
    road_suffixes: StrArray
    road_suffix_p: FloatArray
    dong_stems: StrArray
    dong_seconds: StrArray
    brand_first: StrArray
    brand_second: StrArray
    industry_words: dict[str, StrArray]
    legal_forms: StrArray
    legal_form_p: FloatArray

    def sample_sigungu(self, rng: np.random.Generator, sido: np.ndarray[Any, Any]) -> StrArray:
        """One 시군구 per row, uniform within each row's 시도."""
        pick = (rng.random(len(sido)) * self.sigungu_count[sido]).astype(np.int64)
        return np.asarray(self.sigungu[self.sigungu_offset[sido] + pick], dtype=np.str_)


def _syllables(data: dict[str, list[str]]) -> Syllables:
    first, second = data["first"], data["second"]
    return Syllables(
        first=np.asarray(first, dtype=np.str_),
        first_p=_zipf(len(first)),
        second=np.asarray(second, dtype=np.str_),
        second_p=_zipf(len(second)),
    )


@cache
def load_lexicon() -> Lexicon:
    """Read the name and place lists shipped with the room (cached per process)."""
    names = read_yaml("names.yaml")
    places = read_yaml("places.yaml")
    sido = places["sido"]
    counts = np.asarray([len(s["sigungu"]) for s in sido], dtype=np.int64)
    forms = names["legal_forms"]
    suffixes = places["road_suffixes"]
    return Lexicon(
        surnames=np.asarray([s[0] for s in names["surnames"]], dtype=np.str_),
        surname_p=_probs([float(s[1]) for s in names["surnames"]]),
        surname_latin=np.asarray([s[2] for s in names["surnames"]], dtype=np.str_),
        male=_syllables(names["given"]["male"]),
        female=_syllables(names["given"]["female"]),
        one_syllable=float(names["given"]["one_syllable"]),
        three_syllable=float(names["given"]["three_syllable"]),
        sido_code=np.asarray([s["code"] for s in sido], dtype=np.str_),
        sido_name=np.asarray([s["name"] for s in sido], dtype=np.str_),
        sido_short=np.asarray([s["short"] for s in sido], dtype=np.str_),
        sido_alt=np.asarray([s["alt"] for s in sido], dtype=np.str_),
        sido_p=_probs([float(s["share"]) for s in sido]),
        sigungu=np.asarray([g for s in sido for g in s["sigungu"]], dtype=np.str_),
        sigungu_offset=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64),
        sigungu_count=counts,
        road_stems=np.asarray(places["road_stems"], dtype=np.str_),
        road_suffixes=np.asarray(list(suffixes), dtype=np.str_),
        road_suffix_p=_probs([float(v) for v in suffixes.values()]),
        dong_stems=np.asarray(places["dong_stems"], dtype=np.str_),
        dong_seconds=np.asarray(places["dong_seconds"], dtype=np.str_),
        brand_first=np.asarray(names["brand_syllables"], dtype=np.str_),
        brand_second=np.asarray(names["brand_seconds"], dtype=np.str_),
        industry_words={
            k: np.asarray(v, dtype=np.str_) for k, v in names["industry_words"].items()
        },
        legal_forms=np.asarray(list(forms), dtype=np.str_),
        legal_form_p=_probs([float(v) for v in forms.values()]),
    )
