"""Record linkage of the lake: curated records → master workplaces and master persons.

One run (:func:`link`) reads ``curated/workplace_records`` and ``curated/person_records``,
standardises them (:mod:`ilteo.lake.standardise`) and updates the master tables
(:mod:`ilteo.lake.masters`):

1. **Workplaces** join by valid BRN, else by 고용보험 management number; mentions without either
   (citizen requests) are matched by name and address rules.
2. **Persons** join by RRN hash (a deterministic key: same hash, same person). Records without a
   reliable key — the CP949 training file, e-People requests, job seekers whose RRN failed its
   check digit or was missing — are matched with a Splink model (DuckDB) against the masters:
   jamo and romanised name, transposition-tolerant birth date, phone, sex, address, and the
   workplace master of the same record (a request about an employer, an insurance event there).
   m and u are estimated on the run's own pairs (u by random sampling, m by EM on blocked
   pairs, never from a ground truth) and the model is saved and reused until ``--retrain`` or a
   new ``linkage.yaml`` version.

The trained model (Splink settings JSON), its match-weights chart (Vega-Lite JSON, offline HTML,
SVG) and a run report are written to :attr:`~ilteo.lake.layout.LakePaths.linkage_dir`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel

from ilteo.core.settings import Settings, get_settings
from ilteo.lake.layout import LakePaths, replace_atomically

__all__ = [
    "CONFIG_PATH",
    "LinkageResult",
    "link",
    "linkage_report",
    "load_config",
    "person_attributes",
    "workplace_attributes",
]

#: The versioned thresholds and parameters of linkage.
CONFIG_PATH = Path(__file__).with_name("linkage.yaml")
ProgressCallback = Callable[[int, int, str], None]


@cache
def load_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    """The linkage parameters (``linkage.yaml``), read once per process."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


class KindResult(BaseModel):
    """What one run did to the masters of one kind."""

    records: int
    masters_active: int
    new_masters: int
    links_by_method: dict[str, int]
    events: dict[str, int]
    seconds: float


class LinkageResult(BaseModel):
    """The outcome of :func:`link`."""

    run_id: str
    config_version: int
    model_trained: bool
    model_file: str | None
    person: KindResult
    workplace: KindResult
    seconds: float


def _mode(column: str) -> pl.Expr:
    """The most frequent non-null value (ties: the smallest), as a group aggregation."""
    values = pl.col(column).drop_nulls()
    return values.mode().sort().first().alias(column)


def person_attributes(frame: pl.DataFrame) -> pl.DataFrame:
    """Descriptive columns of master persons: the usual name, birth date, sex, phone and 시도."""
    return frame.group_by("master_id").agg(
        pl.coalesce(_mode("name_hangul"), _mode("name_latin")).alias("name"),
        _mode("birth_date").str.to_date("%Y%m%d", strict=False).alias("birth_date"),
        _mode("sex"),
        _mode("phone"),
        _mode("sido_code"),
        pl.col("source").n_unique().cast(pl.Int64).alias("sources"),
    )


def workplace_attributes(frame: pl.DataFrame) -> pl.DataFrame:
    """Descriptive columns of master workplaces: BRN, management number, name, address, KSIC."""
    return frame.group_by("master_id").agg(
        _mode("brn"),
        _mode("workplace_no"),
        _mode("name"),
        _mode("address"),
        _mode("sido_code"),
        _mode("ksic_code"),
        pl.col("source").n_unique().cast(pl.Int64).alias("sources"),
    )


def _read_curated(paths: LakePaths, table: str) -> pl.DataFrame:
    from ilteo.core.errors import NotFoundError

    path = paths.curated(table)
    if not path.exists():
        raise NotFoundError(
            f"{table} 정제 테이블이 없습니다. 먼저 `ilteo lake curate`를 실행하세요. / "
            f"curated/{table}.parquet is missing: run `ilteo lake curate` first."
        )
    return pl.read_parquet(path)


def _policy(section: dict[str, Any]) -> Any:
    from ilteo.lake.masters import MatchPolicy

    return MatchPolicy(
        match_probability=float(section["match_probability"]),
        merge_probability=float(section["merge_probability"]),
        probe_prior=float(section["probe_prior"]),
    )


def _saved_model(paths: LakePaths, cfg: dict[str, Any]) -> dict[str, Any] | None:
    """The saved person model, unless ``linkage.yaml`` changed or it was trained on too little."""
    model_path = paths.linkage_dir / "person-model.json"
    meta_path = paths.linkage_dir / "person-model.meta.json"
    if not (model_path.exists() and meta_path.exists()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("config_version") != cfg["version"]:
        return None
    training = meta.get("training", {})
    enough = cfg["person"]["min_training_profiles"]
    complete = len(training.get("em_sessions", [])) == len(cfg["person"]["em_blocking_rules"])
    if training.get("probe_profiles", 0) < enough or not complete:
        return None  # provisional: trained on a small first batch, so train again
    model: dict[str, Any] = json.loads(model_path.read_text(encoding="utf-8"))
    return model


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    replace_atomically(tmp, path)


def _kind_result(update: Any, before: int, seconds: float) -> KindResult:
    masters = update.state.masters
    events: dict[str, int] = {}
    for event in update.events:
        events[event.event] = events.get(event.event, 0) + 1
    return KindResult(
        records=update.state.links.height,
        masters_active=masters.filter(pl.col("status") == "active").height,
        new_masters=update.state.counter - before,
        links_by_method=update.counts,
        events=events,
        seconds=round(seconds, 3),
    )


def link(
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    retrain: bool = False,
    progress: ProgressCallback | None = None,
) -> LinkageResult:
    """Link the curated records into the master tables and record the run.

    Args:
        settings: Where the lake and the operational store are (the process settings by default).
        run_id: Recorded on new links and master events (a timestamp by default).
        retrain: Train the person model again even when a saved one fits ``linkage.yaml``.
        progress: Called as ``progress(done, total, label)`` between steps.

    Returns:
        Counts of records, masters, links by method and master events, per kind.

    Raises:
        NotFoundError: When the curated tables do not exist yet.
    """
    from ilteo.lake._person_model import SplinkPersonMatcher
    from ilteo.lake._workplace_rules import WorkplaceRuleMatcher, mention_candidates
    from ilteo.lake.masters import load_state, save_state, update_masters, write_events
    from ilteo.lake.standardise import standardise_person_records, standardise_workplace_records

    settings = settings or get_settings()
    paths = LakePaths.of(settings)
    cfg = load_config()
    run_id = run_id or datetime.now(UTC).strftime("link-%Y%m%dT%H%M%S")
    step = progress or (lambda _d, _t, _l: None)
    started = time.perf_counter()

    step(0, 4, "workplaces")
    places = standardise_workplace_records(_read_curated(paths, "workplace_records"))
    # A first look at workplace mentions (not saved): the workplaces each record may be about,
    # so that person linkage can use employers before mentions are resolved.
    candidates = mention_candidates(places, cfg["workplace"])

    step(1, 4, "persons")
    mark = time.perf_counter()
    people = standardise_person_records(_read_curated(paths, "person_records"))
    people = people.join(candidates, on="rkey", how="left")
    model = None if retrain else _saved_model(paths, cfg)
    matcher = SplinkPersonMatcher(cfg["person"], model)
    if model is None:
        matcher.train(people)
    state = load_state(paths, "person")
    before = state.counter
    update_p = update_masters(
        state, people, matcher, _policy(cfg["person"]), run_id=run_id,
        attributes=person_attributes,
    )  # fmt: skip
    matcher.close()
    person = _kind_result(update_p, before, time.perf_counter() - mark)

    mark = time.perf_counter()
    context = employer_context(update_p.state.links, places)
    state = load_state(paths, "workplace")
    before = state.counter
    update_w = update_masters(
        state, places, WorkplaceRuleMatcher(cfg["workplace"], context),
        _policy(cfg["workplace"]), run_id=run_id, attributes=workplace_attributes,
    )  # fmt: skip
    workplace = _kind_result(update_w, before, time.perf_counter() - mark)

    step(2, 4, "saving")
    save_state(paths, update_w.state)
    save_state(paths, update_p.state)
    write_events(settings, [*update_w.events, *update_p.events], run_id)
    model_file = None
    if matcher.trained_now and matcher.model is not None:
        model_file = _save_model(paths, matcher, cfg["version"], run_id)
    step(3, 4, "report")
    result = LinkageResult(
        run_id=run_id,
        config_version=cfg["version"],
        model_trained=matcher.trained_now,
        model_file=model_file,
        person=person,
        workplace=workplace,
        seconds=round(time.perf_counter() - started, 3),
    )
    _write_json(paths.linkage_dir / "last-run.json", result.model_dump(mode="json"))
    step(4, 4, "done")
    return result


def employer_context(person_links: pl.DataFrame, places: pl.DataFrame) -> pl.DataFrame:
    """For each workplace mention, the keys of the workplaces its writer is insured at.

    The writer is the master person of the record with the same ``source/record_id`` (a
    request is both a person record and a workplace record); their workplaces are the keys of
    their keyed workplace records (insurance events, accidents, claims).
    """
    owner = person_links.filter(pl.col("master_id").is_not_null()).select("rkey", "master_id")
    insured = (
        places.filter(pl.col("key").is_not_null())
        .select("rkey", "key")
        .join(owner, on="rkey")
        .select("master_id", "key")
        .unique()
    )
    mentions = places.filter(pl.col("key").is_null()).select("rkey").join(owner, on="rkey")
    return mentions.join(insured, on="master_id").select("rkey", "key")


def _save_model(paths: LakePaths, matcher: Any, version: int, run_id: str) -> str:
    """Write the Splink model, its sidecar and the match-weights chart; return the model path."""
    from ilteo.lake._weights_chart import save_match_weights_chart

    folder = paths.linkage_dir
    model_path = folder / "person-model.json"
    _write_json(model_path, matcher.model)
    meta = {
        "config_version": version,
        "run_id": run_id,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "splink_version": _splink_version(),
        "training": matcher.training,
    }
    _write_json(folder / "person-model.meta.json", meta)
    if matcher.chart is not None:
        spec, html = matcher.chart
        save_match_weights_chart(spec, html, folder, "person")
    return str(model_path)


def _splink_version() -> str:
    from importlib.metadata import version

    return version("splink")


def linkage_report(
    settings: Settings | None = None, *, truth: Path | None = None
) -> dict[str, dict[str, Any] | None]:
    """The linkage quality reports of persons and workplaces.

    Args:
        settings: Where the lake is (the process settings by default).
        truth: A synth country (or its ``ground_truth`` folder): evaluate the current master
            links against it now and write ``linkage/evaluation-<kind>.json``. Without it, the
            reports of the last evaluation are read (``None`` where there is none).
    """
    from ilteo.lake.evaluation import Kind, evaluate_lake

    paths = LakePaths.of(settings or get_settings())
    from ilteo.lake.sources import SYNTH_SOURCE_NAMES

    aliases = SYNTH_SOURCE_NAMES | (load_config()["evaluation"]["source_aliases"] or {})
    reports: dict[str, dict[str, Any] | None] = {}
    kinds: tuple[Kind, ...] = ("person", "workplace")
    for kind in kinds:
        if truth is not None:
            reports[kind] = evaluate_lake(paths, truth, kind, aliases=aliases)
            continue
        path = paths.linkage_dir / f"evaluation-{kind}.json"
        reports[kind] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return reports
