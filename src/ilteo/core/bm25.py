"""BM25 postings shared by the keyword halves of the hybrid searches (courses, knowledge base)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Final

import numpy as np

#: Okapi BM25 parameters (the usual values).
K1: Final[float] = 1.2
B: Final[float] = 0.75


def postings(docs: Sequence[Sequence[str]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """BM25 weight of every (term, document): idf · tf·(k1+1) / (tf + k1·(1 - b + b·len/avg)).

    Returns, per term, the rows of the documents holding it and their weights; a query's score
    is the sum of its terms' weights.
    """
    lengths = np.array([max(len(d), 1) for d in docs], dtype=np.float64)
    average = float(lengths.mean()) if len(docs) else 1.0
    rows: dict[str, list[tuple[int, int]]] = {}
    for row, doc in enumerate(docs):
        for term, count in Counter(doc).items():
            rows.setdefault(term, []).append((row, count))
    n = len(docs)
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for term, hits in rows.items():
        idf = math.log(1 + (n - len(hits) + 0.5) / (len(hits) + 0.5))
        index = np.array([r for r, _ in hits], dtype=np.int64)
        tf = np.array([t for _, t in hits], dtype=np.float64)
        norm = K1 * (1 - B + B * lengths[index] / average)
        found[term] = (index, idf * tf * (K1 + 1) / (tf + norm))
    return found
