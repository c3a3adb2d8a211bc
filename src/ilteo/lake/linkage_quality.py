"""Read the linkage evaluation reports (precision and recall against ground truth and a baseline).

The linkage evaluation (:mod:`ilteo.lake.evaluation`) writes one JSON report per kind
(``evaluation-person.json``, ``evaluation-workplace.json``) into
:attr:`ilteo.lake.layout.LakePaths.linkage_dir`; this module turns each into
:class:`~ilteo.lake.steward_schemas.LinkageSummary` for the steward pages, the API, the MCP tools
and the standardisation report. A missing or unreadable report is "not available", never an
error.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths
from ilteo.lake.steward_schemas import LinkageMetric, LinkageSummary

__all__ = ["KINDS", "linkage_summaries", "source_linkage"]

KINDS: Final = ("person", "workplace")
_CHART_SUFFIXES: Final = (".svg", ".png")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _metric(slice_: str, method: str, values: Any) -> LinkageMetric | None:
    if not isinstance(values, dict):
        return None
    pairs = values.get("pairs", values.get("true_pairs"))
    return LinkageMetric(
        slice=slice_,
        method=method,
        precision=_number(values.get("precision")),
        recall=_number(values.get("recall")),
        f1=_number(values.get("f1")),
        pairs=int(pairs) if isinstance(pairs, int) else None,
    )


def _metrics(report: dict[str, Any]) -> list[LinkageMetric]:
    """Overall, per-source and per-noise metrics of the model and the baseline."""
    made: list[LinkageMetric | None] = []
    for method in ("model", "baseline"):
        made.append(_metric("all", method, report.get(method)))
    for group, prefix in (("by_source", "source"), ("by_noise", "noise")):
        slices = report.get(group)
        if not isinstance(slices, dict):
            continue
        for name, methods in sorted(slices.items()):
            if isinstance(methods, dict):
                for method in ("model", "baseline"):
                    made.append(_metric(f"{prefix}:{name}", method, methods.get(method)))
    return [m for m in made if m is not None]


def _when(report: dict[str, Any], path: Path) -> datetime | None:
    value = report.get("evaluated_at") or report.get("created_at")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    from ilteo.lake._catalog_files import modified_at

    return modified_at(path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def linkage_summaries(settings: Settings) -> list[LinkageSummary]:
    """The evaluation of each linkage kind, or ``available=False`` where there is none.

    Reports are ``evaluation-<kind>.json``; charts are the SVG or PNG files named
    ``<kind>-…`` (the match-weights chart the training saves), listed even before an evaluation.
    """
    folder = LakePaths.of(settings).linkage_dir
    present = sorted(folder.iterdir()) if folder.is_dir() else []
    made = []
    for kind in KINDS:
        charts = [
            p.name for p in present if p.suffix in _CHART_SUFFIXES and p.name.startswith(f"{kind}-")
        ]
        path = folder / f"evaluation-{kind}.json"
        report = _read(path) if path.is_file() else None
        if report is None or not ("model" in report or "baseline" in report):
            made.append(LinkageSummary(available=False, kind=kind, charts=charts))
            continue
        made.append(
            LinkageSummary(
                available=True,
                kind=kind,
                evaluated_at=_when(report, path),
                report_file=path.name,
                metrics=_metrics(report),
                charts=charts,
            )
        )
    return made


def source_linkage(
    summaries: list[LinkageSummary], source: str, kind: str = "person"
) -> LinkageMetric | None:
    """The model's metric for one source (``source:<id>``) in the evaluation of ``kind``."""
    for summary in summaries:
        if summary.kind != kind:
            continue
        for metric in summary.metrics:
            if metric.slice == f"source:{source}" and metric.method == "model":
                return metric
    return None
