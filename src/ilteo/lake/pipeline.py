"""The whole lake in one call: ingest → curate → link → evaluate → consistency → report.

``ilteo lake build DIR`` and ``ilteo demo`` run this. Each step is the same service function the
separate ``ilteo lake`` commands call, so the pipeline adds order, not behaviour. Every step is
idempotent: a second run over the same extracts ingests nothing new and keeps every master ID.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ilteo.core.settings import Settings, get_settings
from ilteo.lake.layout import LakePaths

#: ``progress(done, total, label)`` as the CLI's progress bar takes it.
ProgressCallback = Callable[[int, int, str], None]

STEPS = ("ingest", "curate", "link", "evaluate", "consistency", "report")


@dataclass
class BuildResult:
    """What one build did: seconds per step and the headline figures."""

    seconds: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    received_rows: int = 0
    accepted_rows: int = 0
    quarantined_rows: int = 0
    new_batches: int = 0
    linkage: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    report_files: list[str] = field(default_factory=list)
    up_to_date: bool = False


def build_lake(
    extracts: Path,
    settings: Settings | None = None,
    *,
    progress: ProgressCallback | None = None,
    today: date | None = None,
    force: bool = False,
) -> BuildResult:
    """Ingest a folder of extracts and build everything downstream of it.

    Args:
        extracts: A folder of source-system extracts (``ilteo synth`` output or real ones). When
            it holds a ``ground_truth`` folder, linkage is evaluated against it.
        settings: Where the lake and the store are (the process settings by default).
        progress: Called as ``progress(step_number, len(STEPS), step_name)`` between steps.
        today: The date contracts treat as today (future-date checks); the real date by default.
        force: Rebuild downstream of ingestion even when no new batch arrived. Without it, a
            build that ingested nothing new over a lake that has masters and a report stops
            after ingestion (``up_to_date``): that is what makes a second ``ilteo demo`` fast.

    Returns:
        Seconds per step, batch counts, linkage counts, evaluation figures, report files.
    """
    from ilteo.lake.consistency import run_consistency
    from ilteo.lake.curate import curate
    from ilteo.lake.ingest import ingest_path
    from ilteo.lake.linkage import link, linkage_report
    from ilteo.lake.report import write_report

    settings = settings or get_settings()
    result = BuildResult()
    report = progress or (lambda done, total, label: None)

    def step(number: int, name: str, work: Callable[[], Any]) -> Any:
        report(number, len(STEPS), name)
        started = time.perf_counter()
        value = work()
        result.seconds[name] = round(time.perf_counter() - started, 3)
        return value

    batches = step(0, "ingest", lambda: ingest_path(extracts, settings=settings, today=today))
    result.batches = len(batches)
    result.new_batches = sum(1 for b in batches if not b.already_ingested)
    result.received_rows = sum(b.received_rows for b in batches)
    result.accepted_rows = sum(b.accepted_rows for b in batches)
    result.quarantined_rows = sum(b.quarantined_rows for b in batches)
    paths = LakePaths.of(settings)
    built = paths.master("person_links").is_file() and any(paths.reports_dir.glob("*"))
    if result.new_batches == 0 and built and not force:
        result.up_to_date = True
        report(len(STEPS), len(STEPS), "up to date")
        return result
    step(1, "curate", lambda: curate(settings))
    linked = step(2, "link", lambda: link(settings))
    result.linkage = _plain(linked)
    truth = extracts / "ground_truth"
    if truth.is_dir():
        reports = step(3, "evaluate", lambda: linkage_report(settings, truth=extracts))
        result.evaluation = {kind: _headline(r) for kind, r in reports.items() if r}
    step(4, "consistency", lambda: run_consistency(settings))
    files = step(5, "report", lambda: write_report(settings))
    result.report_files = [str(f) for f in files]
    report(len(STEPS), len(STEPS), "done")
    return result


def _plain(value: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = value.model_dump(mode="json")
    return dumped


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    """Precision, recall and F1 of the model and of the exact-key baseline."""
    return {
        who: {k: report[who][k] for k in ("precision", "recall", "f1") if k in report[who]}
        for who in ("model", "baseline")
        if isinstance(report.get(who), dict)
    }
