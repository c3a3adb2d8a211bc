"""Master persons and workplaces: stable IDs, incremental linking, merges and splits on record.

Each run compares the curated records with the links of the previous run:

* **kept** records (same ``source/record_id``, same linkage fields) keep their master;
* **removed** or **corrected** records lose their link; the masters that held them are checked
  again, and the parts of a master that the remaining evidence (same key, a source's own
  reference, the pairwise match that linked a record) no longer connects are set apart
  and linked again — if a part then starts a new master, that is a **split**;
* **new** records join a master by key (RRN hash / BRN), by reference, or by probabilistic match
  (:class:`Matcher`); a record that matches two compatible masters very strongly **merges**
  them (the survivor is the lowest ID; the other is kept as ``merged`` with ``merged_into``).

IDs (``P000000123``, ``W000000045``) come from a persisted counter and are never reused or
renumbered. Events go to ``lake_master_events`` of the operational store. The steps of a run
live in ``_master_steps`` (diff, re-check, probe decisions) and ``_master_finish`` (unions, IDs,
rows and events); ``docs/linkage.md`` states the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl

from ilteo.core.settings import Settings
from ilteo.lake.layout import LakePaths, replace_atomically

__all__ = [
    "MasterEvent",
    "MasterKind",
    "MasterState",
    "MasterUpdate",
    "MatchPolicy",
    "Matcher",
    "load_state",
    "master_id",
    "masters_summary",
    "save_state",
    "update_masters",
    "write_events",
]

MasterKind = Literal["person", "workplace"]
_PREFIX = {"person": "P", "workplace": "W"}
_TABLES = {"person": ("persons", "person_links"), "workplace": ("workplaces", "workplace_links")}

LINK_SCHEMA: dict[str, pl.DataType] = {
    "rkey": pl.String(),
    "source": pl.String(),
    "record_id": pl.String(),
    "master_id": pl.String(),
    "method": pl.String(),  # exact_key | reference | probabilistic | ambiguous | unlinkable
    "match_probability": pl.Float64(),
    "evidence": pl.List(pl.Utf8),
    "fingerprint": pl.String(),
    "run_id": pl.String(),
    "linked_at": pl.Datetime("us", "UTC"),
}
MASTER_SCHEMA: dict[str, pl.DataType] = {
    "master_id": pl.String(),
    "status": pl.String(),  # active | merged | retired
    "merged_into": pl.String(),
    "key": pl.String(),
    "records": pl.Int64(),
    "first_run": pl.String(),
    "last_run": pl.String(),
}


def master_id(kind: MasterKind, number: int) -> str:
    """The stable ID of the ``number``-th master of a kind.

    >>> master_id("person", 123), master_id("workplace", 45)
    ('P000000123', 'W000000045')
    """
    return f"{_PREFIX[kind]}{number:09d}"


class Matcher(Protocol):
    """Scores candidate pairs between probe groups and anchor masters, and among probes.

    Frames carry the standard columns plus ``entity`` (a master ID or a probe group) and
    ``keyed``; results have ``probe, anchor`` (or ``left, right``), ``match_probability``,
    ``match_weight`` and the ``rkey`` of each side that matched.
    """

    def between(self, probes: pl.DataFrame, anchors: pl.DataFrame) -> pl.DataFrame:
        """Scored pairs (probe record, anchor record) above the model's floor."""
        ...

    def within(self, probes: pl.DataFrame) -> pl.DataFrame:
        """Scored pairs between records of different probe groups."""
        ...


@dataclass(frozen=True)
class MatchPolicy:
    """When a probe joins a master (see ``linkage.yaml``)."""

    match_probability: float
    merge_probability: float
    probe_prior: float


@dataclass
class MasterState:
    """The master tables of one kind as stored under ``master/``."""

    kind: MasterKind
    masters: pl.DataFrame
    links: pl.DataFrame
    counter: int


@dataclass(frozen=True)
class MasterEvent:
    """One row for ``lake_master_events``."""

    kind: MasterKind
    event: Literal["create", "merge", "split", "relink"]
    master_ids: list[str]
    records: int
    reason: str


@dataclass
class MasterUpdate:
    """The outcome of one run: the new state, its events and counts by link method."""

    state: MasterState
    events: list[MasterEvent] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def load_state(paths: LakePaths, kind: MasterKind) -> MasterState:
    """Read the master tables of ``kind`` (empty ones when the lake has none yet)."""
    masters_table, links_table = _TABLES[kind]
    masters_path, links_path = paths.master(masters_table), paths.master(links_table)
    masters = pl.read_parquet(masters_path) if masters_path.exists() else _empty(MASTER_SCHEMA)
    links = pl.read_parquet(links_path) if links_path.exists() else _empty(LINK_SCHEMA)
    counter_path = paths.master("counters").with_suffix(".json")
    counters = json.loads(counter_path.read_text()) if counter_path.exists() else {}
    return MasterState(kind, masters, links, int(counters.get(kind, 0)))


def _write_parquet(frame: pl.DataFrame, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_suffix(".parquet.tmp")
    frame.write_parquet(tmp)
    replace_atomically(tmp, final)


def save_state(paths: LakePaths, state: MasterState) -> None:
    """Write the master tables and the ID counter (each file by atomic rename)."""
    masters_table, links_table = _TABLES[state.kind]
    _write_parquet(state.masters, paths.master(masters_table))
    _write_parquet(state.links, paths.master(links_table))
    counter_path = paths.master("counters").with_suffix(".json")
    counters = json.loads(counter_path.read_text()) if counter_path.exists() else {}
    counters[state.kind] = state.counter
    tmp = counter_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(counters, indent=2))
    replace_atomically(tmp, counter_path)


def write_events(settings: Settings, events: list[MasterEvent], run_id: str) -> None:
    """Append ``events`` to ``lake_master_events`` in one transaction."""
    from ilteo.core.db import session_scope
    from ilteo.lake.models import LakeMasterEvent

    if not events:
        return
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        session.add_all(
            LakeMasterEvent(
                kind=e.kind,
                event=e.event,
                master_ids=e.master_ids,
                records=e.records,
                reason=e.reason,
                run_id=run_id,
                at=now,
            )
            for e in events
        )


def update_masters(
    state: MasterState,
    records: pl.DataFrame,
    matcher: Matcher,
    policy: MatchPolicy,
    *,
    run_id: str,
    attributes: Callable[[pl.DataFrame], pl.DataFrame],
    now: datetime | None = None,
) -> MasterUpdate:
    """Link ``records`` (standardised, see :mod:`ilteo.lake.standardise`) into the masters.

    Args:
        state: The masters and links of the previous run.
        records: Every current record of the kind (the whole curated table, not only new rows),
            with ``rkey, key, same_as, fingerprint, identifiable`` and the matcher's columns.
        matcher: Scores probes against masters (Splink for persons, rules for workplaces).
        policy: Thresholds of ``linkage.yaml``.
        run_id: Recorded on new links and events.
        attributes: Builds the descriptive columns of each master from its records (given with
            a ``master_id`` column).
        now: Timestamp of new links (the current time by default).

    Returns:
        The new state (not yet saved), its events and counts of links by method.
    """
    from ilteo.lake._master_finish import _finish
    from ilteo.lake._master_steps import (
        _attach,
        _decide,
        _Decisions,
        _diff,
        _group_probes,
        _recheck,
        _within_unions,
    )

    now = now or datetime.now(UTC)
    kept, fresh, touched = _diff(state.links, records)
    kept = _recheck(kept, records, touched)
    requeued = kept.filter(pl.col("requeue").is_not_null())
    kept = kept.filter(pl.col("requeue").is_null()).drop("requeue")
    probes = pl.concat(
        [
            fresh.with_columns(pl.lit(None, dtype=pl.Utf8).alias("requeue")),
            requeued.select("rkey", pl.col("master_id").alias("old_master"), "requeue"),
        ]
    ).join(records.select("rkey", "key", "same_as", "identifiable"), on="rkey")
    probes = _attach(_group_probes(probes), kept, records)
    attached = probes.filter(pl.col("attach").is_not_null())
    rest = probes.filter(pl.col("attach").is_null())

    owners = pl.concat(
        [
            kept.select("rkey", "master_id"),
            attached.select("rkey", pl.col("attach").alias("master_id")),
        ]
    )
    view = records.drop("fingerprint", "same_as")  # what matchers read, without the bulk
    anchors = view.join(owners, on="rkey")
    master_keyed = anchors.group_by("master_id").agg(
        pl.col("key").is_not_null().any().alias("keyed")
    )
    anchors = anchors.join(master_keyed, on="master_id").rename({"master_id": "entity"})
    groups = rest.group_by("group").agg(
        pl.col("key").is_not_null().any().alias("keyed"),
        pl.col("identifiable").any(),
        pl.col("rkey").min().alias("first"),
    )
    entity = (
        pl.when(pl.col("keyed"))
        .then(pl.lit("k:") + pl.col("group"))
        .otherwise(pl.lit("u:") + pl.col("group"))
    )
    groups = groups.with_columns(entity.alias("entity"))
    rest = rest.join(
        groups.select("group", "entity", "keyed", pl.col("identifiable").alias("group_ok")),
        on="group",
    )
    candidates = view.join(rest.select("rkey", "entity", "keyed"), on="rkey")
    new_keyed = candidates.filter(pl.col("keyed"))
    unkeyed = candidates.filter(
        pl.col("keyed").not_()
        & pl.col("entity").is_in(groups.filter(pl.col("identifiable"))["entity"].implode())
    )

    decisions = _Decisions()
    keyed_of = dict(anchors.select("entity", "keyed").unique().iter_rows())
    keyed_of |= dict.fromkeys(new_keyed["entity"].unique().to_list(), True)
    between = []
    if not unkeyed.is_empty() and not (anchors.is_empty() and new_keyed.is_empty()):
        between.append(
            matcher.between(
                unkeyed, pl.concat([anchors, new_keyed], how="diagonal_relaxed", rechunk=False)
            )
        )
    open_masters = anchors.filter(pl.col("keyed").not_())
    if not new_keyed.is_empty() and not open_masters.is_empty():
        between.append(matcher.between(new_keyed, open_masters))
    if between:
        decisions = _decide(pl.concat(between), keyed_of, policy)
    if unkeyed["entity"].n_unique() > 1:
        _within_unions(matcher.within(unkeyed), policy, decisions)
    return _finish(
        state,
        records,
        kept,
        attached,
        rest,
        groups,
        decisions,
        keyed_of,
        touched,
        run_id=run_id,
        now=now,
        attributes=attributes,
    )


def masters_summary(
    kind: MasterKind, settings: Settings | None = None, *, events: int = 20
) -> dict[str, Any]:
    """Counts of masters by status, links by method, and the latest master events of ``kind``."""
    from sqlalchemy import select

    from ilteo.core.db import session_scope
    from ilteo.core.settings import get_settings
    from ilteo.lake.models import LakeMasterEvent

    resolved = settings or get_settings()
    state = load_state(LakePaths.of(resolved), kind)
    with session_scope(resolved) as session:
        rows = session.scalars(
            select(LakeMasterEvent)
            .where(LakeMasterEvent.kind == kind)
            .order_by(LakeMasterEvent.id.desc())
            .limit(events)
        ).all()
        recent = [
            {
                "event": r.event,
                "master_ids": list(r.master_ids),
                "records": r.records,
                "reason": r.reason,
                "run_id": r.run_id,
                "at": r.at.isoformat(timespec="seconds"),
            }
            for r in rows
        ]
    return {
        "kind": kind,
        "next_number": state.counter + 1,
        "status": dict(state.masters.group_by("status").len().sort("status").iter_rows()),
        "methods": dict(state.links.group_by("method").len().sort("method").iter_rows()),
        "events": recent,
    }
