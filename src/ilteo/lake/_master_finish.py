"""The second half of a master run: unions, IDs, link rows, events and master rows.

Used by :func:`ilteo.lake.masters.update_masters`; see that module for the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import polars as pl

from ilteo.lake._master_graph import KeyedUnionFind
from ilteo.lake._master_steps import _Decisions
from ilteo.lake.masters import (
    LINK_SCHEMA,
    MASTER_SCHEMA,
    MasterEvent,
    MasterState,
    MasterUpdate,
    master_id,
)


def _union_all(
    decisions: _Decisions, keyed_of: dict[str, bool], groups: pl.DataFrame
) -> tuple[KeyedUnionFind, dict[str, list[str]], dict[str, float]]:
    uf = KeyedUnionFind()
    for entity, keyed in keyed_of.items():
        uf.add(entity, keyed=keyed, master=not entity.startswith(("k:", "u:")))
    for entity, keyed, ok in groups.select("entity", "keyed", "identifiable").iter_rows():
        if keyed or ok:
            uf.add(entity, keyed=keyed)
    evidence: dict[str, list[str]] = {}
    prob: dict[str, float] = {}
    ordered = sorted(decisions.unions, key=lambda u: (not u[6], -u[0], u[1], u[2]))
    for _w, a, b, a_rkey, b_rkey, p, is_between in ordered:
        if a not in uf.parent or b not in uf.parent:
            continue
        if uf.union(a, b, allow_two_masters=is_between):
            evidence.setdefault(a_rkey, []).append(b_rkey)
            prob[a] = max(prob.get(a, 0.0), p)
            if not is_between:
                evidence.setdefault(b_rkey, []).append(a_rkey)
                prob[b] = max(prob.get(b, 0.0), p)
    return uf, evidence, prob


def _finish(
    state: MasterState,
    records: pl.DataFrame,
    kept: pl.DataFrame,
    attached: pl.DataFrame,
    rest: pl.DataFrame,
    groups: pl.DataFrame,
    decisions: _Decisions,
    keyed_of: dict[str, bool],
    touched: dict[str, str],
    *,
    run_id: str,
    now: datetime,
    attributes: Callable[[pl.DataFrame], pl.DataFrame],
) -> MasterUpdate:
    kind = state.kind
    uf, evidence, prob = _union_all(decisions, keyed_of, groups)
    members: dict[str, list[str]] = {}
    for entity in uf.parent:
        members.setdefault(uf.find(entity), []).append(entity)
    final: dict[str, str | None] = {}
    merges: list[tuple[str, list[str], list[str]]] = []
    new_sets: list[list[str]] = []
    for entities in members.values():
        existing = sorted(e for e in entities if not e.startswith(("k:", "u:")))
        if existing:
            final.update(dict.fromkeys(entities, existing[0]))
            if len(existing) > 1:
                merges.append((existing[0], existing[1:], entities))
        elif len(entities) == 1 and entities[0] in decisions.ambiguous:
            final[entities[0]] = None
        else:
            new_sets.append(entities)
    first = dict(groups.select("entity", "first").iter_rows())
    new_sets.sort(key=lambda ents: min(first[e] for e in ents))
    counter = state.counter
    vacant = _vacant_masters(rest, kept, attached, final)
    for entities in new_sets:
        # Records that were all a master's, re-examined and still on their own, keep its ID.
        former = {m for e in entities for m in vacant.get(e, {None})}
        if len(former) == 1 and (reused := former.pop()) is not None:
            vacant = {e: ms - {reused} for e, ms in vacant.items()}
            final.update(dict.fromkeys(entities, reused))
            continue
        counter += 1
        final.update(dict.fromkeys(entities, master_id(kind, counter)))
    remap = {m: s for s, others, _ in merges for m in others}
    fresh, old = _link_rows(kept, attached, rest, final, remap, decisions, evidence, prob)
    links = _with_record_columns(fresh, old, records, run_id, now)
    events = _events(state, links, merges, decisions, rest, remap, counter, touched, first)
    masters = _master_rows(state, links, records, remap, run_id, attributes)
    events += _retired(state, masters)
    counts = dict(links.group_by("method").len().iter_rows())
    return MasterUpdate(MasterState(kind, masters, links, counter), events, counts)


def _vacant_masters(
    rest: pl.DataFrame, kept: pl.DataFrame, attached: pl.DataFrame, final: dict[str, str | None]
) -> dict[str, set[str | None]]:
    """For each probe entity, the former masters of its records that hold no record now."""
    occupied = set(kept["master_id"].to_list()) | set(attached["attach"].to_list())
    occupied |= {m for m in final.values() if m is not None}
    former: dict[str, set[str | None]] = {}
    moved = rest.filter(pl.col("old_master").is_not_null())
    for entity in rest.filter(pl.col("old_master").is_null())["entity"].unique().to_list():
        former[entity] = {None}
    for entity, old in moved.select("entity", "old_master").unique().iter_rows():
        former.setdefault(entity, set()).add(old if old not in occupied else None)
    return former


def _link_rows(
    kept: pl.DataFrame,
    attached: pl.DataFrame,
    rest: pl.DataFrame,
    final: dict[str, str | None],
    remap: dict[str, str],
    decisions: _Decisions,
    evidence: dict[str, list[str]],
    prob: dict[str, float],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(links decided in this run, kept links with merged masters replaced)."""
    old = kept.with_columns(pl.col("master_id").replace(remap))
    ref = attached.select(
        "rkey",
        pl.col("attach").replace(remap).alias("master_id"),
        pl.when(pl.col("key").is_not_null())
        .then(pl.lit("exact_key"))
        .otherwise(pl.lit("reference"))
        .alias("method"),
        pl.lit(None, dtype=pl.Float64).alias("match_probability"),
        pl.when(pl.col("same_as").is_not_null() & pl.col("key").is_null())
        .then(pl.concat_list("same_as"))
        .otherwise(pl.lit([], dtype=pl.List(pl.Utf8)))
        .alias("evidence"),
    )
    rows = []
    for entity in rest["entity"].unique().to_list():
        target = final.get(entity)
        if target is None:
            method = "ambiguous" if entity in decisions.ambiguous else "unlinkable"
        elif entity.startswith("k:"):
            method = "probabilistic" if entity in prob else "exact_key"
        else:
            method = "probabilistic" if entity in prob else "unmatched"
        rows.append((entity, target, method, prob.get(entity)))
    decided = pl.DataFrame(
        rows,
        schema={"entity": pl.Utf8, "master_id": pl.Utf8, "method": pl.Utf8, "p": pl.Float64},
        orient="row",
    )
    proof = pl.DataFrame(
        {"rkey": list(evidence), "proof": list(evidence.values())},
        schema={"rkey": pl.Utf8, "proof": pl.List(pl.Utf8)},
    )
    doubt = pl.DataFrame(
        {"entity": list(decisions.ambiguous), "doubt": list(decisions.ambiguous.values())},
        schema={"entity": pl.Utf8, "doubt": pl.List(pl.Utf8)},
    )
    by_reference = (
        (pl.col("method") == "probabilistic")
        & pl.col("identifiable").not_()
        & pl.col("same_as").is_not_null()
    )
    linked = (
        rest.join(decided, on="entity", how="left")
        .join(proof, on="rkey", how="left")
        .join(doubt, on="entity", how="left")
        .select(
            "rkey",
            "master_id",
            pl.when(by_reference).then(pl.lit("reference")).otherwise("method").alias("method"),
            pl.when(by_reference).then(None).otherwise("p").alias("match_probability"),
            pl.coalesce("proof", "doubt", pl.lit([], dtype=pl.List(pl.Utf8))).alias("evidence"),
        )
    )
    return pl.concat([ref, linked]), old


def _with_record_columns(
    fresh: pl.DataFrame, old: pl.DataFrame, records: pl.DataFrame, run_id: str, now: datetime
) -> pl.DataFrame:
    fresh = fresh.with_columns(
        pl.lit(run_id).alias("run_id"),
        pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("linked_at"),
    )
    columns = records.select("rkey", "source", "record_id", "fingerprint")
    both = pl.concat([fresh, old.drop("fingerprint")], how="diagonal_relaxed")
    return (
        both.join(columns, on="rkey")
        .select([pl.col(name).cast(dtype) for name, dtype in LINK_SCHEMA.items()])
        .sort("rkey")
    )


def _events(
    state: MasterState,
    links: pl.DataFrame,
    merges: list[tuple[str, list[str], list[str]]],
    decisions: _Decisions,
    rest: pl.DataFrame,
    remap: dict[str, str],
    counter: int,
    touched: dict[str, str],
    first: dict[str, str],
) -> list[MasterEvent]:
    kind = state.kind
    events: list[MasterEvent] = []
    fresh_floor = master_id(kind, state.counter)
    if counter > state.counter:
        low, high = master_id(kind, state.counter + 1), master_id(kind, counter)
        n = links.filter(pl.col("master_id") > fresh_floor).height
        reason = f"{counter - state.counter:,} new masters ({low} to {high}) for {n:,} records"
        events.append(MasterEvent(kind, "create", [low, high], n, reason))
    previous = state.links.filter(pl.col("master_id").is_not_null())
    for survivor, others, entities in merges:
        why = [
            f"{first.get(e, e)} matched "
            + ", ".join(f"{a} (p={p:.4f})" for a, p in decisions.bridges[e])
            for e in sorted(entities)
            if e in decisions.bridges
        ]
        moved = previous.filter(pl.col("master_id").is_in(others)).height
        reason = "; ".join(why) or "a new record with a key matched both"
        events.append(MasterEvent(kind, "merge", [survivor, *others], moved, reason))
    moves = (
        rest.filter(pl.col("old_master").is_not_null())
        .select("rkey", pl.col("old_master").replace(remap))
        .join(links.select("rkey", "master_id"), on="rkey")
        .filter(pl.col("master_id").is_null() | (pl.col("master_id") != pl.col("old_master")))
        .group_by("old_master", "master_id")
        .len()
        .sort("old_master", "master_id", nulls_last=True)
    )
    for (old,), part in moves.group_by("old_master", maintain_order=True):
        cause = touched.get(str(old), "evidence changed")
        fresh = [m for m in part["master_id"].drop_nulls().to_list() if m > fresh_floor]
        if fresh:
            n = int(part.filter(pl.col("master_id").is_in(fresh))["len"].sum())
            reason = f"records of {old} no longer tied to it after {cause}"
            events.append(MasterEvent(kind, "split", [str(old), *fresh], n, reason))
        for target, n in (
            part.filter(pl.col("master_id").is_null() | (pl.col("master_id") <= fresh_floor))
            .select("master_id", "len")
            .rows()
        ):
            ids = [str(old)] + ([target] if target else [])
            where = f"moved to {target}" if target else "left unlinked"
            events.append(
                MasterEvent(kind, "relink", ids, n, f"{n} records of {old} {where} after {cause}")
            )
    return events


def _retired(state: MasterState, masters: pl.DataFrame) -> list[MasterEvent]:
    before = state.masters.filter(pl.col("status") == "active").select("master_id")
    gone = masters.filter(pl.col("status") == "retired").join(before, on="master_id")
    return [
        MasterEvent(state.kind, "relink", [m], 0, f"every record of {m} was removed; retired")
        for m in gone["master_id"].to_list()
    ]


def _master_rows(
    state: MasterState,
    links: pl.DataFrame,
    records: pl.DataFrame,
    remap: dict[str, str],
    run_id: str,
    attributes: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    heavy = [c for c, t in records.schema.items() if c == "fingerprint" or isinstance(t, pl.List)]
    frame = records.drop(heavy).join(
        links.filter(pl.col("master_id").is_not_null()).select("rkey", "master_id", "run_id"),
        on="rkey",
    )
    survivors = sorted(set(remap.values()))
    stats = frame.group_by("master_id").agg(
        pl.len().cast(pl.Int64).alias("records"),
        pl.col("key").drop_nulls().min().alias("key"),
        ((pl.col("run_id") == run_id).any() | pl.col("master_id").is_in(survivors).any()).alias(
            "touched"
        ),
    )
    prev = state.masters
    active = (
        stats.join(attributes(frame), on="master_id", how="left")
        .join(prev.select("master_id", "first_run", "last_run"), on="master_id", how="left")
        .with_columns(
            pl.lit("active").alias("status"),
            pl.lit(None, dtype=pl.Utf8).alias("merged_into"),
            pl.coalesce("first_run", pl.lit(run_id)).alias("first_run"),
            pl.when(pl.col("touched") | pl.col("last_run").is_null())
            .then(pl.lit(run_id))
            .otherwise("last_run")
            .alias("last_run"),
        )
        .drop("touched")
    )
    gone = prev.join(active.select("master_id"), on="master_id", how="anti")
    resolve = pl.col("merged_into").replace(remap)
    newly_merged = pl.col("master_id").is_in(list(remap))
    gone = gone.with_columns(
        pl.when(newly_merged)
        .then(pl.lit("merged"))
        .when(pl.col("status") == "active")
        .then(pl.lit("retired"))
        .otherwise("status")
        .alias("status"),
        pl.when(newly_merged)
        .then(pl.col("master_id").replace(remap))
        .otherwise(resolve)
        .alias("merged_into"),
        pl.lit(0, dtype=pl.Int64).alias("records"),
        pl.when(newly_merged | (pl.col("status") == "active"))
        .then(pl.lit(run_id))
        .otherwise("last_run")
        .alias("last_run"),
    )
    columns = list(MASTER_SCHEMA) + [c for c in active.columns if c not in MASTER_SCHEMA]
    both = pl.concat([active, gone], how="diagonal_relaxed")
    return both.select([c for c in columns if c in both.columns]).sort("master_id")
